import { type DB, perDb } from './client'

/** One decrypted part of an inbound `<message>` that may not be in the message log yet (schema: inbound_journal). */
export type JournalEntry = { waMessageId: string; stanza: Buffer; part: number; plaintext: Buffer }
export type JournalRow = JournalEntry & { id: number }

type Sqlite = DB['$client']

/** Written for every inbound message and deleted right after: prepared once per database connection. */
function prepare(sqlite: Sqlite) {
  return {
    insert: sqlite.prepare<[string, string, Buffer, number, Buffer, number]>(
      'INSERT INTO inbound_journal (account_id, wa_message_id, stanza, part, plaintext, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    deleteForMessage: sqlite.prepare<[string, string]>('DELETE FROM inbound_journal WHERE account_id = ? AND wa_message_id = ?'),
    deleteRow: sqlite.prepare<[number, string]>('DELETE FROM inbound_journal WHERE id = ? AND account_id = ?'),
    list: sqlite.prepare<[string], { id: number; wa_message_id: string; stanza: Buffer; part: number; plaintext: Buffer }>(
      'SELECT id, wa_message_id, stanza, part, plaintext FROM inbound_journal WHERE account_id = ? ORDER BY id',
    ),
  }
}
const statements = perDb((db) => prepare(db.$client))

/** Records a decrypted part; call it inside the transaction that commits the decrypt's key changes. */
export function journalDecrypt(db: DB, accountId: string, e: JournalEntry): void {
  statements(db).insert.run(accountId, e.waMessageId, e.stanza, e.part, e.plaintext, Date.now())
}

/** The messages are in the log (or were handled otherwise): their journal rows go. */
export function forgetJournaled(db: DB, accountId: string, waMessageIds: Iterable<string>): void {
  const stmt = statements(db).deleteForMessage
  for (const id of waMessageIds) stmt.run(accountId, id)
}

export function deleteJournalRows(db: DB, accountId: string, ids: number[]): void {
  const stmt = statements(db).deleteRow
  db.$client.transaction(() => {
    for (const id of ids) stmt.run(id, accountId)
  })()
}

/** What a crash left: decrypted parts whose message never reached the log, oldest first. */
export function listJournal(db: DB, accountId: string): JournalRow[] {
  return statements(db)
    .list.all(accountId)
    .map((r) => ({ id: r.id, waMessageId: r.wa_message_id, stanza: r.stanza, part: r.part, plaintext: r.plaintext }))
}
