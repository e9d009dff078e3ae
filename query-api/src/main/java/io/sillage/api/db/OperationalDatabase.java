package io.sillage.api.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

/** The operational PostgreSQL database (projects, keys, later automations and templates): pool and migrations. */
public final class OperationalDatabase {
    private OperationalDatabase() {}

    public static HikariDataSource open(String jdbcUrl, String user, String password, int maxPoolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(maxPoolSize);
        config.setPoolName("sillage-operational");
        return new HikariDataSource(config);
    }

    /** Applies pending migrations from {@code db/migration}; safe to run from several processes. */
    public static void migrate(javax.sql.DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }
}
