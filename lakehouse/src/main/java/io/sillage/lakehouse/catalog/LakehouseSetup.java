package io.sillage.lakehouse.catalog;

import io.sillage.lakehouse.table.CdpTables;
import io.sillage.lakehouse.table.TableDefinition;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateProperties;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.types.Types;

/**
 * Creates the {@code cdp} namespace and Sillage's tables when they are missing; never alters existing data.
 * Run by {@code ./cdp up}, and on a production catalog with
 * {@code java -cp ... io.sillage.lakehouse.catalog.LakehouseSetup sillage.properties}.
 */
public final class LakehouseSetup {
    private LakehouseSetup() {}

    /** Returns the names of the tables it created (empty when everything existed). */
    public static List<String> ensureTables(Catalog catalog) {
        if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(CdpTables.NAMESPACE)) {
            try {
                namespaces.createNamespace(CdpTables.NAMESPACE);
            }
            catch (AlreadyExistsException raced) {
                // another process created it meanwhile: that is what we wanted
            }
        }
        List<String> created = new ArrayList<>();
        for (TableDefinition table : CdpTables.all()) {
            if (catalog.tableExists(table.identifier())) {
                Table existing = catalog.loadTable(table.identifier());
                addMissingColumns(existing, table);
                updateProperties(existing, table);
                continue;
            }
            try {
                catalog.buildTable(table.identifier(), table.schema())
                        .withPartitionSpec(table.spec())
                        .withSortOrder(table.sortOrder())
                        .withProperties(table.properties())
                        .create();
                created.add(table.name());
            }
            catch (AlreadyExistsException raced) {
                // created concurrently
            }
        }
        return created;
    }

    /** Tables created by an older version get the columns added since (new field ids, never renumbered). */
    private static void addMissingColumns(Table existing, TableDefinition table) {
        UpdateSchema update = existing.updateSchema();
        boolean changed = false;
        for (Types.NestedField column : table.schema().columns()) {
            if (existing.schema().findField(column.name()) == null) {
                update.addColumn(column.name(), column.type(), column.doc());
                changed = true;
            }
        }
        if (changed) {
            update.commit();
        }
    }

    /** Tables created by an older version get the table properties set since. */
    private static void updateProperties(Table existing, TableDefinition table) {
        UpdateProperties update = existing.updateProperties();
        boolean changed = false;
        for (Map.Entry<String, String> property : table.properties().entrySet()) {
            if (property.getKey().equals(TableProperties.FORMAT_VERSION)) {
                continue; // set at creation, not a property to update
            }
            if (!property.getValue().equals(existing.properties().get(property.getKey()))) {
                update.set(property.getKey(), property.getValue());
                changed = true;
            }
        }
        if (changed) {
            update.commit();
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("Usage: LakehouseSetup CONFIG.properties (with lakehouse.jdbc-url, lakehouse.jdbc-user, lakehouse.jdbc-password, lakehouse.warehouse)");
            System.exit(2);
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(args[0]))) {
            properties.load(reader);
        }
        try (JdbcCatalog catalog = LakehouseConfig.fromProperties(properties).openCatalog()) {
            List<String> created = ensureTables(catalog);
            System.out.println(created.isEmpty() ? "All tables exist" : "Created tables: " + String.join(", ", created));
        }
    }
}
