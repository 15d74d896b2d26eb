CREATE TABLE "analytics_channels" (
	"channel_id" uuid PRIMARY KEY NOT NULL,
	"uploads_playlist_id" text,
	"ingested_through" date,
	"revenue" text DEFAULT 'unknown' NOT NULL,
	"revenue_forbidden_at" timestamp with time zone,
	"reports_forbidden_at" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"last_run_status" text,
	"last_run_message" text,
	"last_run_units" integer,
	"last_run_rows" integer,
	"last_polled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "channel_analytics_daily" (
	"channel_id" uuid NOT NULL,
	"day" date NOT NULL,
	"views" bigint NOT NULL,
	"minutes_watched" double precision NOT NULL,
	"average_view_duration_s" double precision NOT NULL,
	"subscribers_gained" integer NOT NULL,
	"revenue_usd" numeric(18, 6),
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "channel_analytics_daily_channel_id_day_pk" PRIMARY KEY("channel_id","day")
);
--> statement-breakpoint
CREATE TABLE "video_analytics_daily" (
	"youtube_video_id" text NOT NULL,
	"channel_id" uuid NOT NULL,
	"day" date NOT NULL,
	"views" bigint NOT NULL,
	"minutes_watched" double precision NOT NULL,
	"average_view_duration_s" double precision NOT NULL,
	"subscribers_gained" integer NOT NULL,
	"revenue_usd" numeric(18, 6),
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "video_analytics_daily_youtube_video_id_day_pk" PRIMARY KEY("youtube_video_id","day")
);
--> statement-breakpoint
CREATE TABLE "websub_subscriptions" (
	"channel_id" uuid PRIMARY KEY NOT NULL,
	"youtube_channel_id" text NOT NULL,
	"topic" text NOT NULL,
	"secret_enc" text NOT NULL,
	"state" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"verified_at" timestamp with time zone,
	"lease_expires_at" timestamp with time zone,
	"last_delivery_at" timestamp with time zone,
	"last_error" text,
	CONSTRAINT "websub_subscriptions_topic_unique" UNIQUE("topic")
);
--> statement-breakpoint
CREATE TABLE "youtube_videos" (
	"youtube_video_id" text PRIMARY KEY NOT NULL,
	"channel_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"video_id" uuid,
	"source" text NOT NULL,
	"first_seen_via" text NOT NULL,
	"title" text NOT NULL,
	"published_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"views" bigint,
	"likes" bigint,
	"comments" bigint,
	"statistics_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "analytics_channels" ADD CONSTRAINT "analytics_channels_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_analytics_daily" ADD CONSTRAINT "channel_analytics_daily_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "video_analytics_daily" ADD CONSTRAINT "video_analytics_daily_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "websub_subscriptions" ADD CONSTRAINT "websub_subscriptions_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "youtube_videos" ADD CONSTRAINT "youtube_videos_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "youtube_videos" ADD CONSTRAINT "youtube_videos_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "youtube_videos" ADD CONSTRAINT "youtube_videos_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "video_analytics_daily_channel_day_idx" ON "video_analytics_daily" USING btree ("channel_id","day");--> statement-breakpoint
CREATE INDEX "websub_subscriptions_lease_idx" ON "websub_subscriptions" USING btree ("state","lease_expires_at");--> statement-breakpoint
CREATE INDEX "youtube_videos_channel_idx" ON "youtube_videos" USING btree ("channel_id");--> statement-breakpoint
CREATE INDEX "youtube_videos_video_idx" ON "youtube_videos" USING btree ("video_id");