CREATE TABLE `chats` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` text NOT NULL,
	`jid` text NOT NULL,
	`phone` text,
	`lid` text,
	`name` text,
	`last_message_id` integer,
	`last_message_at` integer,
	`unread_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chats_account_phone_idx` ON `chats` (`account_id`,`phone`);--> statement-breakpoint
CREATE UNIQUE INDEX `chats_account_lid_idx` ON `chats` (`account_id`,`lid`);--> statement-breakpoint
CREATE INDEX `chats_account_last_idx` ON `chats` (`account_id`,`last_message_at`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`account_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`message_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `key`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `send_queues` (
	`account_id` text PRIMARY KEY NOT NULL,
	`min_gap_ms` integer,
	`per_minute` integer,
	`restrictions` integer DEFAULT 0 NOT NULL,
	`restricted_at` integer,
	`paused_until` integer,
	`pause_reason` text,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `public_id` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `chat_id` integer REFERENCES chats(id) ON DELETE cascade;--> statement-breakpoint
ALTER TABLE `messages` ADD `content` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `quoted_wa_id` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `reactions` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `error_code` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `request` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `sent_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `delivered_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `read_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `edited_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `deleted_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_public_id_idx` ON `messages` (`public_id`);--> statement-breakpoint
CREATE INDEX `messages_chat_time_idx` ON `messages` (`chat_id`,`timestamp`);--> statement-breakpoint
CREATE INDEX `messages_account_wa_idx` ON `messages` (`account_id`,`wa_message_id`);--> statement-breakpoint
CREATE INDEX `messages_account_status_idx` ON `messages` (`account_id`,`status`);--> statement-breakpoint
-- Backfill (hand-written; SQLite functions): one chat per JID already in the log, and an API id per message.
INSERT INTO `chats` (`account_id`, `jid`, `phone`, `lid`)
SELECT DISTINCT `account_id`, `chat_jid`,
  CASE WHEN `chat_jid` LIKE '%@s.whatsapp.net' THEN substr(`chat_jid`, 1, instr(`chat_jid`, '@') - 1) END,
  CASE WHEN `chat_jid` LIKE '%@lid' THEN `chat_jid` END
FROM `messages`;--> statement-breakpoint
UPDATE `messages` SET
  `chat_id` = (SELECT `c`.`id` FROM `chats` `c` WHERE `c`.`account_id` = `messages`.`account_id` AND `c`.`jid` = `messages`.`chat_jid`),
  `public_id` = 'msg_' || lower(hex(randomblob(12)));--> statement-breakpoint
UPDATE `chats` SET
  `last_message_id` = (SELECT `m`.`id` FROM `messages` `m` WHERE `m`.`chat_id` = `chats`.`id` ORDER BY `m`.`timestamp` DESC, `m`.`id` DESC LIMIT 1),
  `last_message_at` = (SELECT max(`m`.`timestamp`) FROM `messages` `m` WHERE `m`.`chat_id` = `chats`.`id`);
