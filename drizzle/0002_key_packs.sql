-- Hand-edited after drizzle-kit generate: the copy selects NULL for the new pack_id column (the old wa_keys has none).
CREATE TABLE `wa_key_packs` (
	`account_id` text NOT NULL,
	`pack_id` integer NOT NULL,
	`key_id` text NOT NULL,
	`value` blob NOT NULL,
	PRIMARY KEY(`account_id`, `pack_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_wa_keys` (
	`account_id` text NOT NULL,
	`type` text NOT NULL,
	`id` text NOT NULL,
	`key_id` text,
	`value` blob,
	`pack_id` integer,
	PRIMARY KEY(`account_id`, `type`, `id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`,`pack_id`) REFERENCES `wa_key_packs`(`account_id`,`pack_id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "wa_keys_own_value_or_pack" CHECK(("pack_id" IS NULL) = ("key_id" IS NOT NULL AND "value" IS NOT NULL))
);
--> statement-breakpoint
INSERT INTO `__new_wa_keys`("account_id", "type", "id", "key_id", "value", "pack_id") SELECT "account_id", "type", "id", "key_id", "value", NULL FROM `wa_keys`;--> statement-breakpoint
DROP TABLE `wa_keys`;--> statement-breakpoint
ALTER TABLE `__new_wa_keys` RENAME TO `wa_keys`;--> statement-breakpoint
PRAGMA foreign_keys=ON;