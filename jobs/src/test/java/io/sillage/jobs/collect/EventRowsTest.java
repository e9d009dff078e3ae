package io.sillage.jobs.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.table.CdpTables;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.types.Types;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

class EventRowsTest {
    @Test
    void columnListsFollowTheTableSchemas() {
        assertThat(EventRows.EVENT_COLUMNS).containsExactlyElementsOf(
                CdpTables.EVENTS_SCHEMA.columns().stream().map(Types.NestedField::name).toList());
        assertThat(EventRows.REJECTED_COLUMNS).containsExactlyElementsOf(
                CdpTables.REJECTED_EVENTS_SCHEMA.columns().stream().map(Types.NestedField::name).toList());
    }

    @Test
    void mapsEveryFieldToItsColumn() throws Exception {
        String payload = """
                {"type":"track","event":"Order Completed","projectId":"p1","source":"web","messageId":"m1","userId":"42",\
                "anonymousId":"a1","timestamp":"2026-11-23T09:00:00.123456Z","originalTimestamp":"2026-11-23T10:00:00Z",\
                "sentAt":"2026-11-23T10:00:05Z","receivedAt":"2026-11-23T09:00:05Z","properties":{"revenue":30},\
                "context":{"locale":"fr-FR"}}""";
        CollectedEvent event = SegmentEvents.fromWire(payload.getBytes(StandardCharsets.UTF_8));

        RowData row = EventRows.event(event, "user_id:42");

        assertThat(row.getArity()).isEqualTo(CdpTables.EVENTS_SCHEMA.columns().size());
        assertThat(row.getString(EventRows.EVENT_COLUMNS.indexOf("project_id")).toString()).isEqualTo("p1");
        assertThat(row.getString(EventRows.EVENT_COLUMNS.indexOf("event")).toString()).isEqualTo("Order Completed");
        assertThat(row.getString(EventRows.EVENT_COLUMNS.indexOf("user_id")).toString()).isEqualTo("42");
        assertThat(row.getString(EventRows.EVENT_COLUMNS.indexOf("source")).toString()).isEqualTo("web");
        assertThat(row.isNullAt(EventRows.EVENT_COLUMNS.indexOf("traits"))).isTrue();
        assertThat(row.isNullAt(EventRows.EVENT_COLUMNS.indexOf("group_id"))).isTrue();
        assertThat(row.getTimestamp(EventRows.EVENT_COLUMNS.indexOf("timestamp"), 6).toInstant())
                .isEqualTo(Instant.parse("2026-11-23T09:00:00.123456Z"));
        assertThat(row.getTimestamp(EventRows.EVENT_COLUMNS.indexOf("received_at"), 6).toInstant())
                .isEqualTo(Instant.parse("2026-11-23T09:00:05Z"));
        assertThat(row.getString(EventRows.EVENT_COLUMNS.indexOf("properties")).toString()).isEqualTo("{\"revenue\":30}");
        assertThat(row.getString(EventRows.EVENT_COLUMNS.indexOf("identifier")).toString()).isEqualTo("user_id:42");
    }

    @Test
    void stringsKeepTheirUtf8() {
        String text = "Zoë 🛒 {\"käse\":\"日本\"}";
        assertThat(EventRows.string(text).toString()).isEqualTo(text);
        assertThat(EventRows.string(text).toBytes()).isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(EventRows.string(null)).isNull();
    }

    @Test
    void typesCrossingOperatorsAreSerializedWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(CollectedEvent.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(RejectedRecord.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(RawRecord.class);
    }
}
