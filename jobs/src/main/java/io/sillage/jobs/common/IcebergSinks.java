package io.sillage.jobs.common;

import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.table.TableDefinition;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;

/** Append-only Iceberg sinks; files are committed when a checkpoint completes, so each row lands exactly once. */
public final class IcebergSinks {
    private IcebergSinks() {}

    public static void append(DataStream<RowData> rows, LakehouseConfig lakehouse, TableDefinition table, String uidPrefix) {
        CatalogLoader catalog = CatalogLoader.custom(lakehouse.catalogName(), lakehouse.icebergCatalogProperties(),
                new org.apache.hadoop.conf.Configuration(), "org.apache.iceberg.jdbc.JdbcCatalog");
        FlinkSink.forRowData(rows)
                .tableLoader(TableLoader.fromCatalog(catalog, table.identifier()))
                .uidPrefix(uidPrefix)
                .append();
    }
}
