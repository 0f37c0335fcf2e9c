/**
 * What an account id may be (a slug). No imports: the API's schemas, which the dashboard's browser
 * client loads, check ids with it without pulling the session manager into the page.
 */
export const ACCOUNT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/
