CREATE TABLE "autopilot_slots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"channel_id" uuid NOT NULL,
	"slot_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"video_id" uuid,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "channel_backlog" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"channel_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"topic" text,
	"script" jsonb,
	"used_at" timestamp with time zone,
	"video_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "video_publications" (
	"video_id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"privacy" text NOT NULL,
	"publish_at" timestamp with time zone,
	"requested_by" text DEFAULT 'api' NOT NULL,
	"grant_hash" text NOT NULL,
	"round" integer DEFAULT 1 NOT NULL,
	"youtube_channel_id" text,
	"session_uri_enc" text,
	"session_bytes" bigint,
	"final_chunk_at" timestamp with time zone,
	"youtube_video_id" text,
	"uploaded_at" timestamp with time zone,
	"thumbnail" text DEFAULT 'pending' NOT NULL,
	"warnings" text[] DEFAULT '{}' NOT NULL,
	"waiting_until" timestamp with time zone,
	"wait_reason" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "youtube_connections" (
	"channel_id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"youtube_channel_id" text NOT NULL,
	"title" text NOT NULL,
	"thumbnail_url" text,
	"custom_thumbnails" boolean NOT NULL,
	"scopes" text[] NOT NULL,
	"refresh_token_enc" text NOT NULL,
	"status" text DEFAULT 'connected' NOT NULL,
	"status_reason" text,
	"uploads_paused_until" timestamp with time zone,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "youtube_oauth_states" (
	"state_hash" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"verifier_enc" text NOT NULL,
	"scopes" text[] NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "youtube_quota_usage" (
	"project" text NOT NULL,
	"day" date NOT NULL,
	"bucket" text NOT NULL,
	"used" integer DEFAULT 0 NOT NULL,
	"spent_at" timestamp with time zone,
	CONSTRAINT "youtube_quota_usage_project_day_bucket_pk" PRIMARY KEY("project","day","bucket")
);
--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "category_id" text DEFAULT '22' NOT NULL;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "made_for_kids" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "contains_synthetic_media" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "autopilot" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "autopilot_slots" ADD CONSTRAINT "autopilot_slots_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "autopilot_slots" ADD CONSTRAINT "autopilot_slots_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_backlog" ADD CONSTRAINT "channel_backlog_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_backlog" ADD CONSTRAINT "channel_backlog_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_backlog" ADD CONSTRAINT "channel_backlog_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "video_publications" ADD CONSTRAINT "video_publications_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "video_publications" ADD CONSTRAINT "video_publications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "video_publications" ADD CONSTRAINT "video_publications_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "youtube_connections" ADD CONSTRAINT "youtube_connections_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "youtube_connections" ADD CONSTRAINT "youtube_connections_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "youtube_oauth_states" ADD CONSTRAINT "youtube_oauth_states_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "youtube_oauth_states" ADD CONSTRAINT "youtube_oauth_states_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "autopilot_slots_channel_slot_idx" ON "autopilot_slots" USING btree ("channel_id","slot_at");--> statement-breakpoint
CREATE INDEX "channel_backlog_channel_idx" ON "channel_backlog" USING btree ("channel_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "video_publications_youtube_video_idx" ON "video_publications" USING btree ("youtube_video_id");--> statement-breakpoint
CREATE INDEX "video_publications_channel_idx" ON "video_publications" USING btree ("channel_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "youtube_connections_youtube_channel_idx" ON "youtube_connections" USING btree ("youtube_channel_id");--> statement-breakpoint
CREATE INDEX "youtube_connections_user_idx" ON "youtube_connections" USING btree ("user_id");