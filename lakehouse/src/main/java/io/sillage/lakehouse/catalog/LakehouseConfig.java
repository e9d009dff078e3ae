package io.sillage.lakehouse.catalog;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * Where the Iceberg catalog and warehouse are. The same values configure the Flink jobs, the API, the
 * local stack and Trino's {@code lakehouse} catalog (which must use the same catalog name).
 *
 * <p>Keys: {@code lakehouse.catalog-name} (default {@code lakehouse}), {@code lakehouse.jdbc-url},
 * {@code lakehouse.jdbc-user}, {@code lakehouse.jdbc-password}, {@code lakehouse.warehouse}.
 */
public record LakehouseConfig(String catalogName, String jdbcUrl, String jdbcUser, String jdbcPassword, String warehouse) {
    public static final String DEFAULT_CATALOG_NAME = "lakehouse";

    public LakehouseConfig {
        requireNonNull(catalogName, "catalogName is null");
        requireNonNull(jdbcUrl, "jdbcUrl is null");
        requireNonNull(jdbcUser, "jdbcUser is null");
        requireNonNull(jdbcPassword, "jdbcPassword is null");
        requireNonNull(warehouse, "warehouse is null");
    }

    public static LakehouseConfig fromProperties(Properties properties) {
        return new LakehouseConfig(
                properties.getProperty("lakehouse.catalog-name", DEFAULT_CATALOG_NAME),
                require(properties, "lakehouse.jdbc-url"),
                require(properties, "lakehouse.jdbc-user"),
                properties.getProperty("lakehouse.jdbc-password", ""),
                require(properties, "lakehouse.warehouse"));
    }

    public Map<String, String> toProperties() {
        return Map.of(
                "lakehouse.catalog-name", catalogName,
                "lakehouse.jdbc-url", jdbcUrl,
                "lakehouse.jdbc-user", jdbcUser,
                "lakehouse.jdbc-password", jdbcPassword,
                "lakehouse.warehouse", warehouse);
    }

    /** Properties for {@link JdbcCatalog#initialize}, also usable with Flink's {@code CatalogLoader.custom}. */
    public Map<String, String> icebergCatalogProperties() {
        Map<String, String> map = new HashMap<>();
        map.put(CatalogProperties.URI, jdbcUrl);
        map.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse);
        map.put("jdbc.user", jdbcUser);
        map.put("jdbc.password", jdbcPassword);
        // V1 adds the column that lets the catalog hold views (profiles and identities are views)
        map.put("jdbc.schema-version", "V1");
        return map;
    }

    public JdbcCatalog openCatalog() {
        JdbcCatalog catalog = new JdbcCatalog();
        catalog.setConf(new org.apache.hadoop.conf.Configuration());
        catalog.initialize(catalogName, icebergCatalogProperties());
        return catalog;
    }

    private static String require(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Missing configuration key " + key);
        }
        return value;
    }
}
