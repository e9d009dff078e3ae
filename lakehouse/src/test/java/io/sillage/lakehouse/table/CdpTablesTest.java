package io.sillage.lakehouse.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortField;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CdpTablesTest {
    static List<TableDefinition> tables() {
        return CdpTables.all();
    }

    @Test
    void listsEveryTableInTheCdpNamespace() {
        assertThat(CdpTables.all()).extracting(TableDefinition::name)
                .containsExactly("events", "rejected_events", "profile_changes", "profiles_base", "profile_merges", "automation_runs", "messages");
        assertThat(CdpTables.all()).allSatisfy(table ->
                assertThat(table.identifier().namespace()).isEqualTo(CdpTables.NAMESPACE));
    }

    @ParameterizedTest
    @MethodSource("tables")
    void fieldIdsAreUniqueWithinATable(TableDefinition table) {
        List<Integer> fieldIds = new ArrayList<>();
        collectFieldIds(table.schema().asStruct(), fieldIds);

        assertThat(fieldIds).as("field IDs of %s", table.name()).doesNotHaveDuplicates();
        assertThat(fieldIds).as("field IDs of %s", table.name()).allMatch(id -> id > 0);
        assertThat(table.schema().highestFieldId()).isEqualTo(fieldIds.stream().mapToInt(Integer::intValue).max().orElseThrow());
    }

    @ParameterizedTest
    @MethodSource("tables")
    void columnNamesAreUniqueWithinATable(TableDefinition table) {
        assertThat(table.schema().columns()).extracting(NestedField::name).doesNotHaveDuplicates();
    }

    @Test
    void theProfileTablesCarryABloomFilterOnTheProfileId() {
        String bloom = TableProperties.PARQUET_BLOOM_FILTER_COLUMN_ENABLED_PREFIX + "profile_id";
        assertThat(CdpTables.PROFILE_CHANGES.properties()).containsEntry(bloom, "true");
        assertThat(CdpTables.PROFILES_BASE.properties()).containsEntry(bloom, "true");
        assertThat(CdpTables.PROFILE_CHANGES_SCHEMA.findField("profile_id")).isNotNull();
        assertThat(CdpTables.EVENTS.properties()).doesNotContainKey(bloom);
    }

    @Test
    void jsonTextsGetNoMinMaxStatistics() {
        assertThat(CdpTables.EVENTS.properties())
                .containsEntry(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + "properties", "false")
                .containsEntry(TableProperties.METRICS_MODE_COLUMN_CONF_PREFIX + "context", "none")
                .doesNotContainKey(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + "message_id");
        assertThat(CdpTables.PROFILE_CHANGES.properties())
                .containsEntry(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + "traits", "false")
                .doesNotContainKey(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + "profile_id");
        // every column named in a property exists in its table
        for (TableDefinition table : CdpTables.all()) {
            table.properties().keySet().stream()
                    .filter(key -> key.startsWith(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX))
                    .map(key -> key.substring(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX.length()))
                    .forEach(column -> assertThat(table.schema().findField(column)).as("%s.%s", table.name(), column).isNotNull());
        }
    }

    @Test
    void theProfileChangeLogAndBaseShareTheirColumnsAndIds() {
        for (NestedField column : CdpTables.PROFILES_BASE_SCHEMA.columns()) {
            assertThat(CdpTables.PROFILE_CHANGES_SCHEMA.findField(column.name())).as(column.name()).isEqualTo(column);
        }
        // the change log is partitioned by its fold window, so folded windows are dropped as whole partitions
        assertThat(CdpTables.PROFILE_CHANGES.spec().fields()).singleElement().satisfies(field -> {
            assertThat(field.transform().isIdentity()).isTrue();
            assertThat(field.sourceId()).isEqualTo(CdpTables.PROFILE_CHANGES_SCHEMA.findField("window_start").fieldId());
        });
    }

    @Test
    void eventsArePartitionedByDayOfTimestampThenProject() {
        Schema schema = CdpTables.EVENTS.schema();
        List<PartitionField> fields = CdpTables.EVENTS.spec().fields();

        assertThat(fields).hasSize(2);
        assertThat(fields.get(0).sourceId()).isEqualTo(schema.findField("timestamp").fieldId());
        assertThat(fields.get(0).transform().toString()).isEqualTo("day");
        assertThat(fields.get(1).sourceId()).isEqualTo(schema.findField("project_id").fieldId());
        assertThat(fields.get(1).transform().isIdentity()).isTrue();
    }

    @Test
    void eventsPartitionColumnsAreRequired() {
        Schema schema = CdpTables.EVENTS.schema();

        assertThat(schema.findField("timestamp").isRequired()).isTrue();
        assertThat(schema.findField("project_id").isRequired()).isTrue();
    }

    @Test
    void eventsAreSortedByProjectThenTimestamp() {
        Schema schema = CdpTables.EVENTS.schema();

        assertThat(CdpTables.EVENTS.sortOrder().fields()).extracting(SortField::sourceId)
                .containsExactly(schema.findField("project_id").fieldId(), schema.findField("timestamp").fieldId());
    }

    @Test
    void rejectedEventsArePartitionedByDayOfRejection() {
        List<PartitionField> fields = CdpTables.REJECTED_EVENTS.spec().fields();

        assertThat(fields).hasSize(1);
        assertThat(fields.get(0).sourceId()).isEqualTo(CdpTables.REJECTED_EVENTS.schema().findField("rejected_at").fieldId());
        assertThat(fields.get(0).transform().toString()).isEqualTo("day");
    }

    @Test
    void messagesArePartitionedByDayOfTheStatusChangeAndNeverHoldAnAddress() {
        Schema schema = CdpTables.MESSAGES.schema();

        assertThat(CdpTables.MESSAGES.spec().fields()).singleElement().satisfies(field -> {
            assertThat(field.sourceId()).isEqualTo(schema.findField("occurred_at").fieldId());
            assertThat(field.transform().toString()).isEqualTo("day");
        });
        assertThat(schema.columns()).extracting(NestedField::name)
                .contains("message_id", "idempotency_key", "status", "reason", "destination_hash", "template_version")
                .doesNotContain("destination", "email", "phone");
    }

    @ParameterizedTest
    @MethodSource("tables")
    void everyTimestampIsATimestampWithTimeZone(TableDefinition table) {
        List<NestedField> timestamps = table.schema().columns().stream()
                .filter(field -> field.type().typeId() == Type.TypeID.TIMESTAMP || field.type().typeId() == Type.TypeID.TIMESTAMP_NANO)
                .toList();

        assertThat(timestamps).as("timestamp columns of %s", table.name()).isNotEmpty();
        assertThat(timestamps).allSatisfy(field ->
                assertThat(field.type()).as("%s.%s", table.name(), field.name()).isEqualTo(Types.TimestampType.withZone()));
    }

    @ParameterizedTest
    @MethodSource("tables")
    void columnsNamedLikeTimesAreTimestampsWithTimeZone(TableDefinition table) {
        List<NestedField> timeNamed = table.schema().columns().stream()
                .filter(field -> field.name().endsWith("_at") || field.name().endsWith("timestamp"))
                .toList();

        assertThat(timeNamed).allSatisfy(field ->
                assertThat(field.type()).as("%s.%s", table.name(), field.name()).isEqualTo(Types.TimestampType.withZone()));
    }

    @Test
    void eventsHaveTheirTimeColumnsAsTimestampsWithTimeZone() {
        Schema schema = CdpTables.EVENTS.schema();

        for (String name : List.of("timestamp", "original_timestamp", "sent_at", "received_at")) {
            assertThat(schema.findField(name)).as(name).isNotNull();
            assertThat(schema.findField(name).type()).as(name).isEqualTo(Types.TimestampType.withZone());
        }
    }

    @ParameterizedTest
    @MethodSource("tables")
    void everyTableHasAStringProjectId(TableDefinition table) {
        NestedField projectId = table.schema().findField("project_id");

        assertThat(projectId).as("project_id of %s", table.name()).isNotNull();
        assertThat(projectId.type()).isEqualTo(Types.StringType.get());
        if (table != CdpTables.REJECTED_EVENTS) {
            assertThat(projectId.isRequired()).as("project_id of %s is required", table.name()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("tables")
    void tablesUseIcebergFormatVersionTwoAndParquet(TableDefinition table) {
        assertThat(table.properties())
                .containsEntry(TableProperties.FORMAT_VERSION, "2")
                .containsEntry(TableProperties.DEFAULT_FILE_FORMAT, "parquet");
    }

    private static void collectFieldIds(Type type, List<Integer> fieldIds) {
        if (type.isNestedType()) {
            for (NestedField field : type.asNestedType().fields()) {
                fieldIds.add(field.fieldId());
                collectFieldIds(field.type(), fieldIds);
            }
        }
    }
}
