CREATE TABLE `inbound_journal` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`wa_message_id` text NOT NULL,
	`stanza` blob NOT NULL,
	`part` integer NOT NULL,
	`plaintext` blob NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
