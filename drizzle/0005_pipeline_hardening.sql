CREATE TABLE "installation" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"leased_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "unknown_video_reports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_key" text NOT NULL,
	"video_id" text NOT NULL,
	"type" text NOT NULL,
	"stage" text,
	"data" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "cost_ledger_event_item_idx";--> statement-breakpoint
ALTER TABLE "cost_ledger" ADD COLUMN "line_key" text;--> statement-breakpoint
ALTER TABLE "cost_ledger" ADD COLUMN "ref" text;--> statement-breakpoint
ALTER TABLE "videos" ADD COLUMN "job" jsonb;--> statement-breakpoint
CREATE INDEX "outbox_available_idx" ON "outbox" USING btree ("available_at");--> statement-breakpoint
CREATE UNIQUE INDEX "unknown_video_reports_key_idx" ON "unknown_video_reports" USING btree ("event_key");--> statement-breakpoint
CREATE INDEX "unknown_video_reports_recorded_idx" ON "unknown_video_reports" USING btree ("recorded_at");--> statement-breakpoint
CREATE UNIQUE INDEX "cost_ledger_line_key_idx" ON "cost_ledger" USING btree ("line_key");