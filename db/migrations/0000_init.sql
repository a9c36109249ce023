CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"default_country" char(2) NOT NULL,
	"timezone" text NOT NULL,
	"paused_at" timestamp with time zone,
	"paused_reason" text,
	"high_value_revenue_usd" bigint DEFAULT 1000000 NOT NULL,
	"high_value_titles" text[] DEFAULT '{}'::text[] NOT NULL,
	"help_text" text,
	"opt_out_keywords" text[] DEFAULT '{}'::text[] NOT NULL,
	"opt_in_keywords" text[] DEFAULT '{}'::text[] NOT NULL,
	"help_keywords" text[] DEFAULT '{}'::text[] NOT NULL,
	"quiet_hours" jsonb,
	"warmup_curve" jsonb,
	"auto_pause_failure_rate_bps" integer,
	"auto_pause_opt_out_rate_bps" integer,
	"alert_webhook_url" text,
	"alert_email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_default_country_check" CHECK ("tenants"."default_country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "tenants_name_check" CHECK (length(trim("tenants"."name")) > 0),
	CONSTRAINT "tenants_high_value_revenue_check" CHECK ("tenants"."high_value_revenue_usd" >= 0),
	CONSTRAINT "tenants_auto_pause_check" CHECK (("tenants"."auto_pause_failure_rate_bps" is null or "tenants"."auto_pause_failure_rate_bps" between 1 and 10000) and ("tenants"."auto_pause_opt_out_rate_bps" is null or "tenants"."auto_pause_opt_out_rate_bps" between 1 and 10000))
);
--> statement-breakpoint
CREATE TABLE "magic_link_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"requested_ip" text,
	CONSTRAINT "magic_link_tokens_hash_check" CHECK ("magic_link_tokens"."token_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"csrf_token" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"idle_expires_at" timestamp with time zone NOT NULL,
	"absolute_expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"ip" text,
	"user_agent" text,
	CONSTRAINT "sessions_id_check" CHECK ("sessions"."id" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "sessions_expiry_check" CHECK ("sessions"."idle_expires_at" <= "sessions"."absolute_expires_at")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"role" text NOT NULL,
	"invited_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_login_at" timestamp with time zone,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "users_role_check" CHECK ("users"."role" in ('admin', 'staff', 'viewer')),
	CONSTRAINT "users_email_check" CHECK (position('@' in "users"."email") > 1)
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"actor_user_id" text,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"request_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_log_action_check" CHECK (length("audit_log"."action") > 0)
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"phone_e164" text NOT NULL,
	"email" text,
	"first_name" text,
	"last_name" text,
	"country" char(2),
	"timezone" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_import_batch_id" text,
	"last_import_row" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_phone_check" CHECK ("contacts"."phone_e164" ~ '^[+][1-9][0-9]{6,14}$'),
	CONSTRAINT "contacts_country_check" CHECK ("contacts"."country" is null or "contacts"."country" ~ '^[A-Z]{2}$')
);
--> statement-breakpoint
CREATE TABLE "do_not_contact" (
	"tenant_id" text NOT NULL,
	"phone_e164" text NOT NULL,
	"reason" text,
	"source" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "do_not_contact_pkey" PRIMARY KEY("tenant_id","phone_e164"),
	CONSTRAINT "do_not_contact_phone_check" CHECK ("do_not_contact"."phone_e164" ~ '^[+][1-9][0-9]{6,14}$'),
	CONSTRAINT "do_not_contact_source_check" CHECK ("do_not_contact"."source" in ('manual', 'stop_keyword', 'provider_opt_out', 'import'))
);
--> statement-breakpoint
CREATE TABLE "suppression_rules" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"phone_e164" text NOT NULL,
	"reason" text NOT NULL,
	"expires_at" timestamp with time zone,
	"lifted_at" timestamp with time zone,
	"lifted_by" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppression_rules_phone_check" CHECK ("suppression_rules"."phone_e164" ~ '^[+][1-9][0-9]{6,14}$'),
	CONSTRAINT "suppression_rules_lifted_check" CHECK ("suppression_rules"."lifted_by" is null or "suppression_rules"."lifted_at" is not null)
);
--> statement-breakpoint
CREATE TABLE "sending_numbers" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"e164" text NOT NULL,
	"provider" text NOT NULL,
	"use" text NOT NULL,
	"label" text,
	"warmup_started_at" timestamp with time zone,
	"provider_sends_stop_confirmation" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sending_numbers_e164_check" CHECK ("sending_numbers"."e164" ~ '^[+][1-9][0-9]{6,14}$'),
	CONSTRAINT "sending_numbers_provider_check" CHECK ("sending_numbers"."provider" in ('signalhouse', 'twilio', 'sandbox')),
	CONSTRAINT "sending_numbers_use_check" CHECK ("sending_numbers"."use" in ('bulk', 'conversation')),
	CONSTRAINT "sending_numbers_status_check" CHECK ("sending_numbers"."status" in ('active', 'disabled')),
	CONSTRAINT "sending_numbers_route_check" CHECK (("sending_numbers"."use" = 'bulk' and "sending_numbers"."provider" in ('signalhouse', 'sandbox')) or ("sending_numbers"."use" = 'conversation' and "sending_numbers"."provider" in ('twilio', 'sandbox')))
);
--> statement-breakpoint
CREATE TABLE "campaign_sending_numbers" (
	"campaign_id" text NOT NULL,
	"sending_number_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	CONSTRAINT "campaign_sending_numbers_pkey" PRIMARY KEY("campaign_id","sending_number_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_templates" (
	"campaign_id" text NOT NULL,
	"template_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "campaign_templates_pkey" PRIMARY KEY("campaign_id","template_id"),
	CONSTRAINT "campaign_templates_position_check" CHECK ("campaign_templates"."position" >= 0)
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"segment" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"link_url" text,
	"paused_at" timestamp with time zone,
	"paused_reason" text,
	"auto_pause_failure_rate_bps" integer,
	"auto_pause_opt_out_rate_bps" integer,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"queued_at" timestamp with time zone,
	"done_at" timestamp with time zone,
	CONSTRAINT "campaigns_status_check" CHECK ("campaigns"."status" in ('draft', 'queued', 'sending', 'paused', 'done')),
	CONSTRAINT "campaigns_name_check" CHECK (length(trim("campaigns"."name")) > 0),
	CONSTRAINT "campaigns_link_url_check" CHECK ("campaigns"."link_url" is null or "campaigns"."link_url" ~ '^https?://'),
	CONSTRAINT "campaigns_auto_pause_check" CHECK (("campaigns"."auto_pause_failure_rate_bps" is null or "campaigns"."auto_pause_failure_rate_bps" between 1 and 10000) and ("campaigns"."auto_pause_opt_out_rate_bps" is null or "campaigns"."auto_pause_opt_out_rate_bps" between 1 and 10000))
);
--> statement-breakpoint
CREATE TABLE "message_templates" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"body" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	CONSTRAINT "message_templates_body_check" CHECK (length("message_templates"."body") > 0)
);
--> statement-breakpoint
CREATE TABLE "send_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"kind" text NOT NULL,
	"campaign_id" text,
	"contact_id" text NOT NULL,
	"to_e164" text NOT NULL,
	"template_id" text,
	"sending_number_id" text,
	"body" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"skip_reason" text,
	"defer_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"provider" text,
	"provider_message_id" text,
	"parts" integer,
	"cost_micros" bigint,
	"error_code" text,
	"error_message" text,
	"client_message_id" text,
	"correlation_id" text,
	"claimed_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "send_jobs_kind_check" CHECK ("send_jobs"."kind" in ('campaign', 'conversation')),
	CONSTRAINT "send_jobs_status_check" CHECK ("send_jobs"."status" in ('queued', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'skipped', 'cancelled', 'reconcile')),
	CONSTRAINT "send_jobs_provider_check" CHECK ("send_jobs"."provider" in ('signalhouse', 'twilio', 'sandbox')),
	CONSTRAINT "send_jobs_kind_campaign_check" CHECK (("send_jobs"."kind" = 'campaign' and "send_jobs"."campaign_id" is not null) or ("send_jobs"."kind" = 'conversation' and "send_jobs"."campaign_id" is null and "send_jobs"."body" is not null)),
	CONSTRAINT "send_jobs_to_check" CHECK ("send_jobs"."to_e164" ~ '^[+][1-9][0-9]{6,14}$'),
	CONSTRAINT "send_jobs_skip_reason_check" CHECK ("send_jobs"."status" not in ('skipped', 'cancelled') or "send_jobs"."skip_reason" is not null),
	CONSTRAINT "send_jobs_defer_check" CHECK ("send_jobs"."status" <> 'deferred' or "send_jobs"."defer_until" is not null),
	CONSTRAINT "send_jobs_provider_message_check" CHECK ("send_jobs"."provider_message_id" is null or "send_jobs"."provider" is not null),
	CONSTRAINT "send_jobs_counts_check" CHECK ("send_jobs"."attempts" >= 0 and ("send_jobs"."parts" is null or "send_jobs"."parts" >= 1) and ("send_jobs"."cost_micros" is null or "send_jobs"."cost_micros" >= 0))
);
--> statement-breakpoint
CREATE TABLE "short_links" (
	"id" text PRIMARY KEY NOT NULL,
	"token" text NOT NULL,
	"tenant_id" text NOT NULL,
	"target_url" text NOT NULL,
	"campaign_id" text,
	"contact_id" text,
	"send_job_id" text,
	"expires_at" timestamp with time zone NOT NULL,
	"first_clicked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "short_links_token_check" CHECK ("short_links"."token" ~ '^[A-Za-z0-9_-]{6,64}$'),
	CONSTRAINT "short_links_target_check" CHECK ("short_links"."target_url" ~ '^https?://')
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"type" text NOT NULL,
	"contact_id" text,
	"campaign_id" text,
	"send_job_id" text,
	"template_id" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"correlation_id" text,
	"dedupe_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_type_check" CHECK ("events"."type" in ('QUEUED', 'SENT', 'DELIVERED', 'FAILED', 'REPLIED', 'OPT_OUT', 'RESUBSCRIBE', 'CLICKED', 'SKIPPED', 'DEFERRED', 'INBOUND'))
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"provider" text NOT NULL,
	"provider_event_id" text NOT NULL,
	"tenant_id" text,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"provider_time" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"error" text,
	CONSTRAINT "webhook_events_pkey" PRIMARY KEY("provider","provider_event_id"),
	CONSTRAINT "webhook_events_provider_check" CHECK ("webhook_events"."provider" in ('twilio', 'signalhouse', 'edge', 'sandbox'))
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"contact_id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"last_message_at" timestamp with time zone NOT NULL,
	"last_inbound_at" timestamp with time zone,
	"last_outbound_at" timestamp with time zone,
	"unread_count" integer DEFAULT 0 NOT NULL,
	"last_read_at" timestamp with time zone,
	"last_read_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversations_unread_check" CHECK ("conversations"."unread_count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"daily_micros" bigint NOT NULL,
	"monthly_micros" bigint NOT NULL,
	"per_minute" integer,
	"per_number_per_minute" integer,
	"alert_at_percent" integer DEFAULT 80 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text,
	CONSTRAINT "budgets_amounts_check" CHECK ("budgets"."daily_micros" >= 0 and "budgets"."monthly_micros" >= 0),
	CONSTRAINT "budgets_rates_check" CHECK (("budgets"."per_minute" is null or "budgets"."per_minute" > 0) and ("budgets"."per_number_per_minute" is null or "budgets"."per_number_per_minute" > 0)),
	CONSTRAINT "budgets_alert_check" CHECK ("budgets"."alert_at_percent" between 1 and 100)
);
--> statement-breakpoint
CREATE TABLE "costs" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"kind" text NOT NULL,
	"send_job_id" text,
	"skip_trace_request_id" text,
	"amount_micros" bigint NOT NULL,
	"parts" integer,
	"provider" text NOT NULL,
	"country" char(2),
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "costs_kind_check" CHECK ("costs"."kind" in ('sms', 'skip_trace')),
	CONSTRAINT "costs_source_check" CHECK (("costs"."kind" = 'sms' and "costs"."send_job_id" is not null and "costs"."skip_trace_request_id" is null) or ("costs"."kind" = 'skip_trace' and "costs"."skip_trace_request_id" is not null and "costs"."send_job_id" is null)),
	CONSTRAINT "costs_amount_check" CHECK ("costs"."amount_micros" >= 0 and ("costs"."parts" is null or "costs"."parts" >= 1)),
	CONSTRAINT "costs_country_check" CHECK ("costs"."country" is null or "costs"."country" ~ '^[A-Z]{2}$')
);
--> statement-breakpoint
CREATE TABLE "prices" (
	"provider" text NOT NULL,
	"country" char(2) NOT NULL,
	"micros_per_part" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "prices_pkey" PRIMARY KEY("provider","country"),
	CONSTRAINT "prices_provider_check" CHECK ("prices"."provider" in ('signalhouse', 'twilio', 'sandbox')),
	CONSTRAINT "prices_country_check" CHECK ("prices"."country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "prices_amount_check" CHECK ("prices"."micros_per_part" >= 0)
);
--> statement-breakpoint
CREATE TABLE "import_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"filename" text,
	"object_key" text,
	"mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"format" jsonb,
	"preview" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"default_country" char(2),
	"idempotency_key" text,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"rows_total" integer,
	"rows_processed" integer DEFAULT 0 NOT NULL,
	"bytes_total" bigint,
	"bytes_processed" bigint DEFAULT 0 NOT NULL,
	"correlation_id" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"error" text,
	CONSTRAINT "import_batches_kind_check" CHECK ("import_batches"."kind" in ('contacts', 'usbizdata')),
	CONSTRAINT "import_batches_status_check" CHECK ("import_batches"."status" in ('previewed', 'queued', 'running', 'done', 'failed')),
	CONSTRAINT "import_batches_country_check" CHECK ("import_batches"."default_country" is null or "import_batches"."default_country" ~ '^[A-Z]{2}$'),
	CONSTRAINT "import_batches_progress_check" CHECK ("import_batches"."rows_processed" >= 0 and "import_batches"."bytes_processed" >= 0 and ("import_batches"."rows_total" is null or "import_batches"."rows_total" >= 0) and ("import_batches"."bytes_total" is null or "import_batches"."bytes_total" >= 0))
);
--> statement-breakpoint
CREATE TABLE "import_row_blocks" (
	"batch_id" text NOT NULL,
	"first_row" integer NOT NULL,
	"tenant_id" text NOT NULL,
	"row_numbers" integer[] NOT NULL,
	"decisions" text[] NOT NULL,
	"reasons" text[] NOT NULL,
	"phones" text[] NOT NULL,
	"record_ids" text[] NOT NULL,
	"byte_starts" bigint[] NOT NULL,
	"byte_ends" bigint[] NOT NULL,
	CONSTRAINT "import_row_blocks_pkey" PRIMARY KEY("batch_id","first_row"),
	CONSTRAINT "import_row_blocks_arrays_check" CHECK (cardinality("import_row_blocks"."row_numbers") = cardinality("import_row_blocks"."decisions") and cardinality("import_row_blocks"."row_numbers") = cardinality("import_row_blocks"."reasons")
          and cardinality("import_row_blocks"."row_numbers") = cardinality("import_row_blocks"."phones") and cardinality("import_row_blocks"."row_numbers") = cardinality("import_row_blocks"."record_ids")
          and cardinality("import_row_blocks"."row_numbers") = cardinality("import_row_blocks"."byte_starts") and cardinality("import_row_blocks"."row_numbers") = cardinality("import_row_blocks"."byte_ends")),
	CONSTRAINT "import_row_blocks_decisions_check" CHECK ("import_row_blocks"."decisions" <@ array['create', 'update']::text[])
);
--> statement-breakpoint
CREATE TABLE "import_rows" (
	"batch_id" text NOT NULL,
	"row_number" integer NOT NULL,
	"tenant_id" text NOT NULL,
	"decision" text NOT NULL,
	"reason" text,
	"phone_e164" text,
	"contact_id" text,
	"prospect_id" text,
	"byte_start" bigint NOT NULL,
	"byte_end" bigint NOT NULL,
	CONSTRAINT "import_rows_pkey" PRIMARY KEY("batch_id","row_number"),
	CONSTRAINT "import_rows_bytes_check" CHECK ("import_rows"."byte_start" >= 0 and "import_rows"."byte_end" >= "import_rows"."byte_start"),
	CONSTRAINT "import_rows_decision_check" CHECK ("import_rows"."decision" in ('create', 'update', 'duplicate', 'invalid_phone', 'invalid_row', 'dnc', 'suppressed_by_cooldown')),
	CONSTRAINT "import_rows_row_number_check" CHECK ("import_rows"."row_number" >= 1),
	CONSTRAINT "import_rows_phone_check" CHECK ("import_rows"."phone_e164" is null or "import_rows"."phone_e164" ~ '^[+][1-9][0-9]{6,14}$')
);
--> statement-breakpoint
CREATE TABLE "persona_emails" (
	"prospect_id" text NOT NULL,
	"email" text NOT NULL,
	"tenant_id" text NOT NULL,
	"rank" integer,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "persona_emails_pkey" PRIMARY KEY("prospect_id","email"),
	CONSTRAINT "persona_emails_source_check" CHECK ("persona_emails"."source" in ('realestateapi', 'sandbox'))
);
--> statement-breakpoint
CREATE TABLE "persona_phones" (
	"prospect_id" text NOT NULL,
	"phone_e164" text NOT NULL,
	"tenant_id" text NOT NULL,
	"line_type" text,
	"carrier" text,
	"is_connected" boolean,
	"rank" integer,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "persona_phones_pkey" PRIMARY KEY("prospect_id","phone_e164"),
	CONSTRAINT "persona_phones_phone_check" CHECK ("persona_phones"."phone_e164" ~ '^[+][1-9][0-9]{6,14}$'),
	CONSTRAINT "persona_phones_source_check" CHECK ("persona_phones"."source" in ('realestateapi', 'sandbox'))
);
--> statement-breakpoint
CREATE TABLE "raw_prospects" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"source_key" text NOT NULL,
	"company" text,
	"contact_name" text,
	"title" text,
	"address" text,
	"city" text,
	"state" text,
	"zip" text,
	"phone" text,
	"phone_e164" text,
	"email" text,
	"website" text,
	"sic_code" text,
	"sic_description" text,
	"revenue_usd" bigint,
	"revenue_text" text,
	"employees" integer,
	"employees_text" text,
	"high_value" boolean NOT NULL,
	"import_batch_id" text,
	"hydrated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "raw_prospects_phone_check" CHECK ("raw_prospects"."phone_e164" is null or "raw_prospects"."phone_e164" ~ '^[+][1-9][0-9]{6,14}$'),
	CONSTRAINT "raw_prospects_amounts_check" CHECK (("raw_prospects"."revenue_usd" is null or "raw_prospects"."revenue_usd" >= 0) and ("raw_prospects"."employees" is null or "raw_prospects"."employees" >= 0))
);
--> statement-breakpoint
CREATE TABLE "skip_trace_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"prospect_id" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"provider" text NOT NULL,
	"request_key" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"response" jsonb,
	"error" text,
	"correlation_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "skip_trace_requests_status_check" CHECK ("skip_trace_requests"."status" in ('pending', 'succeeded', 'no_match', 'failed')),
	CONSTRAINT "skip_trace_requests_provider_check" CHECK ("skip_trace_requests"."provider" in ('realestateapi', 'sandbox')),
	CONSTRAINT "skip_trace_requests_amounts_check" CHECK ("skip_trace_requests"."cost_micros" >= 0 and "skip_trace_requests"."attempts" >= 0)
);
--> statement-breakpoint
CREATE TABLE "social_profiles" (
	"prospect_id" text NOT NULL,
	"network" text NOT NULL,
	"url" text NOT NULL,
	"tenant_id" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "social_profiles_pkey" PRIMARY KEY("prospect_id","network","url"),
	CONSTRAINT "social_profiles_source_check" CHECK ("social_profiles"."source" in ('realestateapi', 'sandbox'))
);
--> statement-breakpoint
CREATE TABLE "counters" (
	"key" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"value" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "counters_pkey" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
CREATE TABLE "flags" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"destination" text NOT NULL,
	"body" jsonb NOT NULL,
	"dedupe_id" text NOT NULL,
	"delay_seconds" integer DEFAULT 0 NOT NULL,
	"retries" integer,
	"correlation_id" text,
	"tenant_id" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	CONSTRAINT "outbox_status_check" CHECK ("outbox"."status" in ('pending', 'published')),
	CONSTRAINT "outbox_delay_check" CHECK ("outbox"."delay_seconds" >= 0),
	CONSTRAINT "outbox_retries_check" CHECK ("outbox"."retries" is null or "outbox"."retries" between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "relay_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"destination" text NOT NULL,
	"url" text NOT NULL,
	"body" text NOT NULL,
	"dedupe_id" text NOT NULL,
	"correlation_id" text,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 8 NOT NULL,
	"deliver_after" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_expires_at" timestamp with time zone,
	"last_status" integer,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "relay_messages_state_check" CHECK ("relay_messages"."state" in ('pending', 'delivered', 'failed')),
	CONSTRAINT "relay_messages_attempts_check" CHECK ("relay_messages"."attempts" >= 0 and "relay_messages"."max_attempts" >= 1)
);
--> statement-breakpoint
CREATE TABLE "queue_probe_steps" (
	"probe_id" text NOT NULL,
	"step" integer NOT NULL,
	"handled_at" timestamp with time zone NOT NULL,
	"deliveries" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "queue_probe_steps_pkey" PRIMARY KEY("probe_id","step"),
	CONSTRAINT "queue_probe_steps_step_check" CHECK ("queue_probe_steps"."step" >= 1),
	CONSTRAINT "queue_probe_steps_deliveries_check" CHECK ("queue_probe_steps"."deliveries" >= 1)
);
--> statement-breakpoint
CREATE TABLE "queue_probes" (
	"id" text PRIMARY KEY NOT NULL,
	"steps" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "queue_probes_steps_check" CHECK ("queue_probes"."steps" between 1 and 10000)
);
--> statement-breakpoint
CREATE TABLE "sandbox_receipts" (
	"id" text PRIMARY KEY NOT NULL,
	"imitates" text NOT NULL,
	"from_number" text NOT NULL,
	"to_number" text NOT NULL,
	"body" text NOT NULL,
	"parts" integer NOT NULL,
	"status_callback_url" text NOT NULL,
	"idempotency_key" text,
	"outcome" text NOT NULL,
	"error_code" text,
	"error_message" text,
	"received_at" timestamp with time zone NOT NULL,
	"callback_status" text,
	"callback_error_code" text,
	"deliver_after" timestamp with time zone,
	"callback_attempts" integer DEFAULT 0 NOT NULL,
	"callback_delivered_at" timestamp with time zone,
	CONSTRAINT "sandbox_receipts_imitates_check" CHECK ("sandbox_receipts"."imitates" in ('signalhouse', 'twilio')),
	CONSTRAINT "sandbox_receipts_outcome_check" CHECK ("sandbox_receipts"."outcome" in ('accepted', 'opted_out', 'invalid_number', 'rejected', 'unavailable')),
	CONSTRAINT "sandbox_receipts_callback_status_check" CHECK ("sandbox_receipts"."callback_status" is null or "sandbox_receipts"."callback_status" in ('delivered', 'failed')),
	CONSTRAINT "sandbox_receipts_callback_check" CHECK (("sandbox_receipts"."callback_status" is null) = ("sandbox_receipts"."deliver_after" is null)),
	CONSTRAINT "sandbox_receipts_parts_check" CHECK ("sandbox_receipts"."parts" >= 0)
);
--> statement-breakpoint
ALTER TABLE "magic_link_tokens" ADD CONSTRAINT "magic_link_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "magic_link_tokens" ADD CONSTRAINT "magic_link_tokens_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_last_import_batch_id_import_batches_id_fk" FOREIGN KEY ("last_import_batch_id") REFERENCES "public"."import_batches"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "do_not_contact" ADD CONSTRAINT "do_not_contact_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "do_not_contact" ADD CONSTRAINT "do_not_contact_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suppression_rules" ADD CONSTRAINT "suppression_rules_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suppression_rules" ADD CONSTRAINT "suppression_rules_lifted_by_users_id_fk" FOREIGN KEY ("lifted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suppression_rules" ADD CONSTRAINT "suppression_rules_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sending_numbers" ADD CONSTRAINT "sending_numbers_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_sending_numbers" ADD CONSTRAINT "campaign_sending_numbers_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_sending_numbers" ADD CONSTRAINT "campaign_sending_numbers_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_sending_numbers" ADD CONSTRAINT "campaign_sending_numbers_sending_number_id_fk" FOREIGN KEY ("sending_number_id") REFERENCES "public"."sending_numbers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_templates" ADD CONSTRAINT "campaign_templates_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_templates" ADD CONSTRAINT "campaign_templates_template_id_message_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."message_templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_templates" ADD CONSTRAINT "campaign_templates_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_templates" ADD CONSTRAINT "message_templates_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_templates" ADD CONSTRAINT "message_templates_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "send_jobs" ADD CONSTRAINT "send_jobs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "send_jobs" ADD CONSTRAINT "send_jobs_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "send_jobs" ADD CONSTRAINT "send_jobs_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "send_jobs" ADD CONSTRAINT "send_jobs_template_id_message_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."message_templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "send_jobs" ADD CONSTRAINT "send_jobs_sending_number_id_sending_numbers_id_fk" FOREIGN KEY ("sending_number_id") REFERENCES "public"."sending_numbers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "short_links" ADD CONSTRAINT "short_links_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "short_links" ADD CONSTRAINT "short_links_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "short_links" ADD CONSTRAINT "short_links_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "short_links" ADD CONSTRAINT "short_links_send_job_id_send_jobs_id_fk" FOREIGN KEY ("send_job_id") REFERENCES "public"."send_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_send_job_id_send_jobs_id_fk" FOREIGN KEY ("send_job_id") REFERENCES "public"."send_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_template_id_message_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."message_templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_last_read_by_users_id_fk" FOREIGN KEY ("last_read_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "costs" ADD CONSTRAINT "costs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "costs" ADD CONSTRAINT "costs_send_job_id_send_jobs_id_fk" FOREIGN KEY ("send_job_id") REFERENCES "public"."send_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "costs" ADD CONSTRAINT "costs_skip_trace_request_id_skip_trace_requests_id_fk" FOREIGN KEY ("skip_trace_request_id") REFERENCES "public"."skip_trace_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_batches" ADD CONSTRAINT "import_batches_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_batches" ADD CONSTRAINT "import_batches_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_row_blocks" ADD CONSTRAINT "import_row_blocks_batch_id_import_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."import_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_row_blocks" ADD CONSTRAINT "import_row_blocks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_batch_id_import_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."import_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_prospect_id_raw_prospects_id_fk" FOREIGN KEY ("prospect_id") REFERENCES "public"."raw_prospects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "persona_emails" ADD CONSTRAINT "persona_emails_prospect_id_raw_prospects_id_fk" FOREIGN KEY ("prospect_id") REFERENCES "public"."raw_prospects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "persona_emails" ADD CONSTRAINT "persona_emails_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "persona_phones" ADD CONSTRAINT "persona_phones_prospect_id_raw_prospects_id_fk" FOREIGN KEY ("prospect_id") REFERENCES "public"."raw_prospects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "persona_phones" ADD CONSTRAINT "persona_phones_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "raw_prospects" ADD CONSTRAINT "raw_prospects_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "raw_prospects" ADD CONSTRAINT "raw_prospects_import_batch_id_import_batches_id_fk" FOREIGN KEY ("import_batch_id") REFERENCES "public"."import_batches"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "skip_trace_requests" ADD CONSTRAINT "skip_trace_requests_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "skip_trace_requests" ADD CONSTRAINT "skip_trace_requests_prospect_id_raw_prospects_id_fk" FOREIGN KEY ("prospect_id") REFERENCES "public"."raw_prospects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "social_profiles" ADD CONSTRAINT "social_profiles_prospect_id_raw_prospects_id_fk" FOREIGN KEY ("prospect_id") REFERENCES "public"."raw_prospects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "social_profiles" ADD CONSTRAINT "social_profiles_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_probe_steps" ADD CONSTRAINT "queue_probe_steps_probe_id_queue_probes_id_fk" FOREIGN KEY ("probe_id") REFERENCES "public"."queue_probes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "magic_link_tokens_user_idx" ON "magic_link_tokens" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "users_tenant_idx" ON "users" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_log_tenant_created_idx" ON "audit_log" USING btree ("tenant_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_tenant_phone_key" ON "contacts" USING btree ("tenant_id","phone_e164");--> statement-breakpoint
CREATE INDEX "contacts_tenant_email_idx" ON "contacts" USING btree ("tenant_id",lower("email")) WHERE "contacts"."email" is not null;--> statement-breakpoint
CREATE INDEX "suppression_rules_active_idx" ON "suppression_rules" USING btree ("tenant_id","phone_e164","expires_at") WHERE "suppression_rules"."lifted_at" is null;--> statement-breakpoint
CREATE INDEX "suppression_rules_tenant_created_idx" ON "suppression_rules" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sending_numbers_e164_key" ON "sending_numbers" USING btree ("e164");--> statement-breakpoint
CREATE INDEX "sending_numbers_tenant_idx" ON "sending_numbers" USING btree ("tenant_id","use");--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_templates_campaign_position_key" ON "campaign_templates" USING btree ("campaign_id","position");--> statement-breakpoint
CREATE INDEX "campaigns_tenant_idx" ON "campaigns" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "message_templates_tenant_idx" ON "message_templates" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "send_jobs_tenant_campaign_contact_key" ON "send_jobs" USING btree ("tenant_id","campaign_id","contact_id");--> statement-breakpoint
CREATE UNIQUE INDEX "send_jobs_tenant_client_message_key" ON "send_jobs" USING btree ("tenant_id","client_message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "send_jobs_provider_message_key" ON "send_jobs" USING btree ("provider","provider_message_id");--> statement-breakpoint
CREATE INDEX "send_jobs_pending_idx" ON "send_jobs" USING btree ("status","defer_until") WHERE "send_jobs"."status" in ('queued', 'deferred', 'sending');--> statement-breakpoint
CREATE INDEX "send_jobs_campaign_status_idx" ON "send_jobs" USING btree ("campaign_id","status");--> statement-breakpoint
CREATE INDEX "send_jobs_contact_idx" ON "send_jobs" USING btree ("tenant_id","contact_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "short_links_token_key" ON "short_links" USING btree ("token");--> statement-breakpoint
CREATE UNIQUE INDEX "short_links_send_job_key" ON "short_links" USING btree ("send_job_id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_tenant_dedupe_key" ON "events" USING btree ("tenant_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "events_campaign_type_idx" ON "events" USING btree ("campaign_id","type","template_id") WHERE "events"."campaign_id" is not null;--> statement-breakpoint
CREATE INDEX "events_contact_idx" ON "events" USING btree ("tenant_id","contact_id","occurred_at") WHERE "events"."contact_id" is not null;--> statement-breakpoint
CREATE INDEX "events_type_occurred_idx" ON "events" USING btree ("type","occurred_at");--> statement-breakpoint
CREATE INDEX "webhook_events_received_idx" ON "webhook_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "conversations_tenant_activity_idx" ON "conversations" USING btree ("tenant_id","last_message_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "costs_send_job_key" ON "costs" USING btree ("send_job_id");--> statement-breakpoint
CREATE UNIQUE INDEX "costs_skip_trace_request_key" ON "costs" USING btree ("skip_trace_request_id");--> statement-breakpoint
CREATE INDEX "costs_tenant_occurred_idx" ON "costs" USING btree ("tenant_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "import_batches_tenant_idempotency_key" ON "import_batches" USING btree ("tenant_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "import_batches_tenant_created_idx" ON "import_batches" USING btree ("tenant_id","kind","created_at");--> statement-breakpoint
CREATE INDEX "import_rows_rejected_idx" ON "import_rows" USING btree ("batch_id","row_number") WHERE "import_rows"."decision" not in ('create', 'update');--> statement-breakpoint
CREATE UNIQUE INDEX "raw_prospects_tenant_source_key" ON "raw_prospects" USING btree ("tenant_id","source_key");--> statement-breakpoint
CREATE INDEX "raw_prospects_tenant_high_value_idx" ON "raw_prospects" USING btree ("tenant_id","high_value","id");--> statement-breakpoint
CREATE UNIQUE INDEX "skip_trace_requests_request_key" ON "skip_trace_requests" USING btree ("request_key");--> statement-breakpoint
CREATE INDEX "skip_trace_requests_prospect_idx" ON "skip_trace_requests" USING btree ("prospect_id");--> statement-breakpoint
CREATE INDEX "counters_expires_idx" ON "counters" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "flags_expires_idx" ON "flags" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe_id_key" ON "outbox" USING btree ("dedupe_id");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("created_at") WHERE "outbox"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "relay_messages_dedupe_id_key" ON "relay_messages" USING btree ("dedupe_id");--> statement-breakpoint
CREATE INDEX "relay_messages_due_idx" ON "relay_messages" USING btree ("deliver_after") WHERE "relay_messages"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "sandbox_receipts_idempotency_key_idx" ON "sandbox_receipts" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "sandbox_receipts_to_number_idx" ON "sandbox_receipts" USING btree ("to_number","received_at");--> statement-breakpoint
CREATE INDEX "sandbox_receipts_due_idx" ON "sandbox_receipts" USING btree ("deliver_after") WHERE "sandbox_receipts"."callback_delivered_at" is null and "sandbox_receipts"."deliver_after" is not null;