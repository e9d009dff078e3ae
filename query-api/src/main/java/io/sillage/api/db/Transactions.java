package io.sillage.api.db;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Units of work on the operational database: a read on one connection, or a transaction that commits or rolls back as a whole. */
public final class Transactions {
    /** Work on a connection. */
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Maps the current row. */
    public interface Row<T> {
        T map(ResultSet rows) throws SQLException;
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

    /** Every row {@code select} returns, mapped. */
    public static <T> List<T> all(PreparedStatement select, Row<T> row) throws SQLException {
        List<T> mapped = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                mapped.add(row.map(rows));
            }
        }
        return mapped;
    }

    /** The first row {@code select} returns, mapped, if any. */
    public static <T> Optional<T> first(PreparedStatement select, Row<T> row) throws SQLException {
        try (ResultSet rows = select.executeQuery()) {
            return rows.next() ? Optional.of(row.map(rows)) : Optional.empty();
        }
    }
}
