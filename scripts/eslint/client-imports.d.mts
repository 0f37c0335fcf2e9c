// Types for client-imports.mjs (the ESLint config loads the .mjs; its test imports it from TypeScript).
import type { ESLint, Rule } from 'eslint'

export declare const clientImports: Rule.RuleModule
declare const plugin: ESLint.Plugin
export default plugin
