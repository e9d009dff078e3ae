package io.sillage.lakehouse.table;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

import java.util.List;
import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Types;

/**
 * The one place that owns the schemas of Sillage's Iceberg tables in namespace {@code cdp}.
 *
 * <p>Field IDs are explicit and never reused: add columns with new IDs, never renumber. Timestamps are
 * {@code timestamptz} (Trino: {@code timestamp(6) with time zone}, UTC). JSON payloads
 * ({@code properties}, {@code traits}, {@code context}) are JSON texts, read in Trino with
 * {@code json_extract_scalar(properties, '$.price')} or {@code json_parse}.
 */
public final class CdpTables {
    public static final Namespace NAMESPACE = Namespace.of("cdp");

    private static final Map<String, String> COMMON_PROPERTIES = Map.of(
            TableProperties.FORMAT_VERSION, "2",
            TableProperties.DEFAULT_FILE_FORMAT, "parquet",
            TableProperties.PARQUET_COMPRESSION, "zstd",
            TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true",
            TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "50",
            // ids, JSON and timestamps are nearly all distinct: a small dictionary falls back to plain encoding
            // early instead of hashing 2 MB of unique values per column (a fifth of the pipeline's CPU)
            TableProperties.PARQUET_DICT_SIZE_BYTES, "65536");

    /**
     * The profile tables also carry a Parquet Bloom filter on {@code profile_id}: a look-up of one profile through
     * the {@code profiles} view then skips every change file that does not hold it (reading its footer only),
     * instead of scanning the whole change log (measured in docs/benchmarks.md#identity-and-profiles). Their JSON
     * columns keep no min/max, as in {@code events}.
     */
    private static final Map<String, String> PROFILE_PROPERTIES = withoutStatistics(withProperty(COMMON_PROPERTIES,
            TableProperties.PARQUET_BLOOM_FILTER_COLUMN_ENABLED_PREFIX + "profile_id", "true"), "traits", "subscriptions");

    /**
     * JSON texts get no min/max statistics, in Parquet or in Iceberg's manifests: no predicate on them can use a
     * range of JSON texts, and computing one compares every value byte by byte with the current bounds (the min/max
     * of string columns took 9 % of the pipeline's CPU samples in the profile benchmark; JSON texts are the longest).
     */
    private static final Map<String, String> EVENTS_PROPERTIES = withoutStatistics(COMMON_PROPERTIES, "properties", "traits", "context");

    public static final Schema EVENTS_SCHEMA = new Schema(
            required(1, "project_id", Types.StringType.get(), "Project the write key belongs to"),
            required(2, "message_id", Types.StringType.get(), "Segment messageId, unique per project (deduplicated)"),
            required(3, "type", Types.StringType.get(), "track, identify, page, screen, group or alias"),
            optional(4, "event", Types.StringType.get(), "Event name of track calls"),
            optional(5, "name", Types.StringType.get(), "Page or screen name"),
            optional(6, "anonymous_id", Types.StringType.get()),
            optional(7, "user_id", Types.StringType.get()),
            optional(8, "group_id", Types.StringType.get()),
            optional(9, "previous_id", Types.StringType.get()),
            required(10, "timestamp", Types.TimestampType.withZone(), "Event time, corrected for client clock skew"),
            optional(11, "original_timestamp", Types.TimestampType.withZone(), "Event time as the client's clock said"),
            optional(12, "sent_at", Types.TimestampType.withZone()),
            required(13, "received_at", Types.TimestampType.withZone(), "When the tracking API accepted the event"),
            optional(14, "source", Types.StringType.get(), "Source of the write key: ios, android, web, server"),
            optional(15, "properties", Types.StringType.get(), "JSON object text"),
            optional(16, "traits", Types.StringType.get(), "JSON object text"),
            optional(17, "context", Types.StringType.get(), "JSON object text"),
            optional(18, "identifier", Types.StringType.get(),
                    "The event's most trusted identifier after normalization (type:value); joins with identities"));

    public static final TableDefinition EVENTS = new TableDefinition(
            TableIdentifier.of(NAMESPACE, "events"),
            EVENTS_SCHEMA,
            PartitionSpec.builderFor(EVENTS_SCHEMA).day("timestamp").identity("project_id").build(),
            SortOrder.builderFor(EVENTS_SCHEMA).asc("project_id").asc("timestamp").build(),
            EVENTS_PROPERTIES);

    public static final Schema REJECTED_EVENTS_SCHEMA = new Schema(
            optional(1, "project_id", Types.StringType.get(), "Project, when the record names one"),
            optional(2, "message_id", Types.StringType.get()),
            required(3, "reason", Types.StringType.get(), "Why the record was rejected"),
            optional(4, "field", Types.StringType.get(), "JSON pointer of the offending field"),
            required(5, "payload", Types.StringType.get(), "The raw record as received (UTF-8)"),
            optional(6, "kafka_topic", Types.StringType.get()),
            optional(7, "kafka_partition", Types.IntegerType.get()),
            optional(8, "kafka_offset", Types.LongType.get()),
            required(9, "rejected_at", Types.TimestampType.withZone()));

    public static final TableDefinition REJECTED_EVENTS = new TableDefinition(
            TableIdentifier.of(NAMESPACE, "rejected_events"),
            REJECTED_EVENTS_SCHEMA,
            PartitionSpec.builderFor(REJECTED_EVENTS_SCHEMA).day("rejected_at").build(),
            SortOrder.unsorted(),
            withoutStatistics(COMMON_PROPERTIES, "payload"));

    /** Profile columns shared by the change log and the folded base table (ids 1-15). */
    private static final List<Types.NestedField> PROFILE_COLUMNS = List.of(
            required(1, "project_id", Types.StringType.get()),
            required(2, "profile_id", Types.StringType.get(), "UUID; the earliest created profile survives a merge"),
            required(3, "version", Types.LongType.get(), "Increases with every change of the profile"),
            optional(4, "merged_into", Types.StringType.get(), "Set when this profile was merged into another"),
            required(5, "identifiers", Types.ListType.ofRequired(16, Types.StringType.get()), "type:value, normalized"),
            optional(6, "traits", Types.StringType.get(), "JSON object text: trait name to value"),
            optional(7, "subscriptions", Types.StringType.get(), "JSON array text: channel, topic, installation_id, status, changed_at, source"),
            optional(8, "created_at", Types.TimestampType.withZone(), "Event time of the event that created the profile"),
            optional(9, "first_seen", Types.TimestampType.withZone()),
            optional(10, "last_seen", Types.TimestampType.withZone()),
            required(11, "event_count", Types.LongType.get()),
            required(12, "order_count", Types.LongType.get(), "Order Completed events"),
            required(13, "revenue", Types.DoubleType.get(), "Sum of Order Completed revenue (else total)"),
            optional(14, "last_order_at", Types.TimestampType.withZone()),
            required(15, "changed_at", Types.TimestampType.withZone(), "When the pipeline wrote this version"));

    public static final Schema PROFILE_CHANGES_SCHEMA = new Schema(concat(PROFILE_COLUMNS,
            required(17, "window_start", Types.TimestampType.withZone(), "changed_at truncated to the fold window; partition")));

    /** Append-only change log of profiles, written by the profile job; folded into {@code profiles_base}. */
    public static final TableDefinition PROFILE_CHANGES = new TableDefinition(
            TableIdentifier.of(NAMESPACE, "profile_changes"),
            PROFILE_CHANGES_SCHEMA,
            PartitionSpec.builderFor(PROFILE_CHANGES_SCHEMA).identity("window_start").build(),
            SortOrder.unsorted(),
            PROFILE_PROPERTIES);

    public static final Schema PROFILES_BASE_SCHEMA = new Schema(PROFILE_COLUMNS);

    /** The latest version of every profile as of the last fold (rewritten by maintenance). */
    public static final TableDefinition PROFILES_BASE = new TableDefinition(
            TableIdentifier.of(NAMESPACE, "profiles_base"),
            PROFILES_BASE_SCHEMA,
            PartitionSpec.builderFor(PROFILES_BASE_SCHEMA).bucket("profile_id", 8).build(),
            SortOrder.unsorted(),
            PROFILE_PROPERTIES);

    public static final Schema PROFILE_MERGES_SCHEMA = new Schema(
            required(1, "project_id", Types.StringType.get()),
            optional(2, "from_profile_id", Types.StringType.get(), "The profile merged away (null when a link was refused before any profile held it)"),
            required(3, "into_profile_id", Types.StringType.get(), "The surviving profile, or the one that refused"),
            required(4, "decision", Types.StringType.get(), "merged or refused"),
            required(5, "rule", Types.StringType.get(), "shared identifier, or the limit that refused the merge"),
            optional(6, "identifier", Types.StringType.get(), "The identifier that linked the two (type:value)"),
            optional(7, "message_id", Types.StringType.get(), "The linking event"),
            optional(8, "event_time", Types.TimestampType.withZone(), "Time of the linking event"),
            required(9, "decided_at", Types.TimestampType.withZone()));

    public static final TableDefinition PROFILE_MERGES = new TableDefinition(
            TableIdentifier.of(NAMESPACE, "profile_merges"),
            PROFILE_MERGES_SCHEMA,
            PartitionSpec.builderFor(PROFILE_MERGES_SCHEMA).day("decided_at").build(),
            SortOrder.unsorted(),
            COMMON_PROPERTIES);

    public static final Schema AUTOMATION_RUNS_SCHEMA = new Schema(
            required(1, "project_id", Types.StringType.get()),
            required(2, "automation_id", Types.StringType.get()),
            required(3, "automation_version", Types.IntegerType.get(), "The definition version the instance entered with"),
            required(4, "instance_id", Types.StringType.get(), "messageId of the entry event (one instance per entry)"),
            required(5, "profile_id", Types.StringType.get(), "The profile the entry event was attributed to"),
            required(6, "step", Types.StringType.get(), "entered, suppressed, cancelled, exited, held or fired"),
            optional(7, "reason", Types.StringType.get(), "Why: re-entry, grace, capping, audience, conditions, quiet_hours, paused, late, no_date; or the cancel/exit event name"),
            optional(8, "event_message_id", Types.StringType.get(), "The event that caused this step (entry, cancel or exit event)"),
            optional(9, "waiting_until", Types.TimestampType.withZone(), "Send time of an entered or held instance"),
            optional(10, "idempotency_key", Types.StringType.get(), "Of the activation request, on fired rows"),
            required(11, "occurred_at", Types.TimestampType.withZone(), "When the pipeline took this step"));

    /** One row per lifecycle step of every automation instance, written by the automation stage. */
    public static final TableDefinition AUTOMATION_RUNS = new TableDefinition(
            TableIdentifier.of(NAMESPACE, "automation_runs"),
            AUTOMATION_RUNS_SCHEMA,
            PartitionSpec.builderFor(AUTOMATION_RUNS_SCHEMA).day("occurred_at").build(),
            SortOrder.unsorted(),
            COMMON_PROPERTIES);

    public static final Schema MESSAGES_SCHEMA = new Schema(
            required(1, "project_id", Types.StringType.get()),
            required(2, "message_id", Types.StringType.get(), "Derived from the idempotency key: the same request is the same message"),
            required(3, "idempotency_key", Types.StringType.get(), "Of the activation request"),
            required(4, "profile_id", Types.StringType.get(), "The profile the message is for (the surviving one once looked up)"),
            required(5, "channel", Types.StringType.get(), "email, sms, push, web_push or webhook"),
            required(6, "source_type", Types.StringType.get(), "automation (campaign later)"),
            required(7, "source_id", Types.StringType.get(), "The automation (or campaign) id"),
            optional(8, "source_version", Types.IntegerType.get(), "Version of the automation definition"),
            optional(9, "variant", Types.StringType.get()),
            optional(10, "template_id", Types.StringType.get()),
            optional(11, "template_version", Types.IntegerType.get(), "The template version rendered (or the latest one when the message stopped before rendering)"),
            optional(12, "audience", Types.StringType.get(), "marketing or transactional"),
            required(13, "status", Types.StringType.get(), "queued, suppressed, failed, retrying, sent or dead_letter"),
            optional(14, "reason", Types.StringType.get(), "Why: suppression reason, failure, or unknown_resent / already_sent on sent rows"),
            optional(15, "attempt", Types.IntegerType.get(), "The send attempt this row reports (1 for the first)"),
            optional(16, "destination_hash", Types.StringType.get(), "SHA-256 (hex) of the destination address: the address itself is never stored here"),
            optional(17, "provider_message_id", Types.StringType.get(), "The provider's id of a sent message (SMTP Message-ID, SparkPost transmission id, ...)"),
            required(18, "occurred_at", Types.TimestampType.withZone(), "When the activation job recorded this status"));

    /** The status timeline of every message, one row per status change, written by the activation job. */
    public static final TableDefinition MESSAGES = new TableDefinition(
            TableIdentifier.of(NAMESPACE, "messages"),
            MESSAGES_SCHEMA,
            PartitionSpec.builderFor(MESSAGES_SCHEMA).day("occurred_at").build(),
            SortOrder.unsorted(),
            COMMON_PROPERTIES);

    private CdpTables() {}

    public static List<TableDefinition> all() {
        return List.of(EVENTS, REJECTED_EVENTS, PROFILE_CHANGES, PROFILES_BASE, PROFILE_MERGES, AUTOMATION_RUNS, MESSAGES);
    }

    private static List<Types.NestedField> concat(List<Types.NestedField> fields, Types.NestedField last) {
        List<Types.NestedField> all = new java.util.ArrayList<>(fields);
        all.add(last);
        return all;
    }

    private static Map<String, String> withoutStatistics(Map<String, String> properties, String... columns) {
        Map<String, String> all = new java.util.HashMap<>(properties);
        for (String column : columns) {
            all.put(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + column, "false");
            all.put(TableProperties.METRICS_MODE_COLUMN_CONF_PREFIX + column, "none");
        }
        return Map.copyOf(all);
    }

    private static Map<String, String> withProperty(Map<String, String> properties, String key, String value) {
        Map<String, String> all = new java.util.HashMap<>(properties);
        all.put(key, value);
        return Map.copyOf(all);
    }
}
