CREATE TABLE "channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"niche" text NOT NULL,
	"language" text DEFAULT 'en' NOT NULL,
	"default_voice" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"visual_source" text DEFAULT 'generated' NOT NULL,
	"visual_style" text DEFAULT '' NOT NULL,
	"aspect" text DEFAULT '16:9' NOT NULL,
	"caption_style" text DEFAULT 'highlight' NOT NULL,
	"default_privacy" text DEFAULT 'private' NOT NULL,
	"cadence" jsonb NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cost_ledger" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"video_id" uuid,
	"event_key" text NOT NULL,
	"stage" text NOT NULL,
	"kind" text NOT NULL,
	"item" text NOT NULL,
	"quantity" double precision NOT NULL,
	"unit" text NOT NULL,
	"unit_price_usd" double precision NOT NULL,
	"amount_usd" numeric(18, 10) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "video_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"video_id" uuid NOT NULL,
	"event_key" text NOT NULL,
	"type" text NOT NULL,
	"stage" text,
	"data" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "videos" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"stage" text DEFAULT 'script' NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"stages" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"request" jsonb NOT NULL,
	"title" text,
	"description" text,
	"tags" text[],
	"duration_s" double precision,
	"width" integer,
	"height" integer,
	"video_key" text,
	"video_bytes" bigint,
	"thumbnail_key" text,
	"encoder" text,
	"stage_durations_ms" jsonb,
	"dead_letter_job_id" text,
	"idempotency_key" text,
	"request_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_ledger" ADD CONSTRAINT "cost_ledger_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_ledger" ADD CONSTRAINT "cost_ledger_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "video_events" ADD CONSTRAINT "video_events_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "videos" ADD CONSTRAINT "videos_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "videos" ADD CONSTRAINT "videos_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "channels_user_idx" ON "channels" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "cost_ledger_event_item_idx" ON "cost_ledger" USING btree ("event_key","item");--> statement-breakpoint
CREATE INDEX "cost_ledger_user_created_idx" ON "cost_ledger" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "cost_ledger_video_idx" ON "cost_ledger" USING btree ("video_id");--> statement-breakpoint
CREATE UNIQUE INDEX "video_events_key_idx" ON "video_events" USING btree ("event_key");--> statement-breakpoint
CREATE INDEX "video_events_video_idx" ON "video_events" USING btree ("video_id","id");--> statement-breakpoint
CREATE INDEX "videos_user_created_idx" ON "videos" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "videos_channel_idx" ON "videos" USING btree ("channel_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "videos_idempotency_idx" ON "videos" USING btree ("user_id","idempotency_key");