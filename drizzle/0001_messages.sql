CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` text NOT NULL,
	`chat_jid` text NOT NULL,
	`wa_message_id` text NOT NULL,
	`direction` text NOT NULL,
	`sender_jid` text,
	`type` text NOT NULL,
	`text` text,
	`status` text NOT NULL,
	`proto` blob,
	`timestamp` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_key_idx` ON `messages` (`account_id`,`chat_jid`,`wa_message_id`,`direction`);--> statement-breakpoint
CREATE INDEX `messages_account_time_idx` ON `messages` (`account_id`,`timestamp`);