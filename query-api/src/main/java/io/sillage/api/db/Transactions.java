package io.sillage.api.db;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Units of work on the operational database: a read on one connection, or a transaction that commits or rolls back as a whole. */
public final class Transactions {
    /** Work on a connection. */
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;

    public Transactions(DataSource dataSource) {
        this.dataSource = requireNonNull(dataSource, "dataSource is null");
    }

    /** Runs {@code work} on a connection in auto-commit; {@code what} names it in the error. */
    public <T> T read(String what, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot " + what + " in the operational database: " + e.getMessage(), e);
        }
    }

    /** Commits when {@code work} returns; rolls back and rethrows (runtime exceptions as they are) when it throws. */
    public <T> T inTransaction(String what, Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            T result;
            try {
                result = work.run(connection);
            }
            catch (SQLException | RuntimeException | Error e) {
                try {
                    connection.rollback();
                }
                catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
            connection.commit();
            return result;
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot " + what + " in the operational database: " + e.getMessage(), e);
        }
    }
}
