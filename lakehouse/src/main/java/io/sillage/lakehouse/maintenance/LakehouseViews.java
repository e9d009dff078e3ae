package io.sillage.lakehouse.maintenance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Trino views analysts query, created (or replaced) through Trino when the platform starts. They are Iceberg
 * views in the catalog, so any Trino pointed at the catalog sees them.
 *
 * <ul>
 *   <li>{@code profiles}: the latest version of every profile, from the folded {@code profiles_base} and the
 *       recent {@code profile_changes}.</li>
 *   <li>{@code identities}: one row per identifier of each live profile.</li>
 *   <li>{@code profile_events}: every event with the live profile it belongs to now (merges resolved).</li>
 * </ul>
 */
public final class LakehouseViews {
    /** The profile columns, in table order. */
    public static final String PROFILE_COLUMNS = "project_id, profile_id, version, merged_into, identifiers, traits, subscriptions, "
            + "created_at, first_seen, last_seen, event_count, order_count, revenue, last_order_at, changed_at";

    /**
     * Latest version per profile over the base and the given change rows (a SQL fragment used by the fold too).
     *
     * <p>Written so that memory follows the change log, not the base: the newest version of each profile in
     * the change log is an aggregation over its keys, the base rows it supersedes are removed by an anti-join
     * whose build side is that small aggregate, and the base itself streams through. A window function
     * ({@code row_number() over (partition by profile_id ...)}) over base and changes held every profile in
     * memory and failed past about 2 M profiles on a 2 GB Trino. Versions only grow for a profile in
     * committed data (Iceberg commits on checkpoints, and a restore resumes from the checkpointed version), so
     * a change row never loses to an older base row. Two change rows with the same version (a snapshot written
     * again after a restore) are told apart by {@code changed_at}: the later one is kept, so a profile is one row.
     */
    public static String latestProfiles(String base, String changes) {
        return withNewest(changes) + """
                select %1$s from %2$s b
                where not exists (
                    select 1 from newest n where n.project_id = b.project_id and n.profile_id = b.profile_id and n.version >= b.version)
                union all
                """.formatted(PROFILE_COLUMNS, base) + NEWEST_ROWS;
    }

    /** The newest row of each profile among the given change rows (what the fold stages before rewriting the base). */
    public static String newestChanges(String changes) {
        return withNewest(changes) + NEWEST_ROWS;
    }

    private static String withNewest(String changes) {
        return """
                with changes as (select %1$s from %2$s),
                newest as (
                    select project_id, profile_id, max(version) as version, max_by(changed_at, row(version, changed_at)) as changed_at
                    from changes group by project_id, profile_id)
                """.formatted(PROFILE_COLUMNS, changes);
    }

    private static final String NEWEST_ROWS = """
            select %s from changes c
            join newest n on n.project_id = c.project_id and n.profile_id = c.profile_id and n.version = c.version and n.changed_at = c.changed_at""".formatted(
            qualified("c"));

    private static String qualified(String alias) {
        return Arrays.stream(PROFILE_COLUMNS.split(", ")).map(column -> alias + "." + column).collect(Collectors.joining(", "));
    }

    public static final List<String> VIEWS = List.of(
            "create or replace view lakehouse.cdp.profiles security invoker as\n" + latestProfiles("lakehouse.cdp.profiles_base", "lakehouse.cdp.profile_changes"),
            """
            create or replace view lakehouse.cdp.identities security invoker as
            select p.project_id,
                   split_part(i.identifier, ':', 1) as type,
                   substr(i.identifier, strpos(i.identifier, ':') + 1) as value,
                   i.identifier,
                   p.profile_id,
                   p.changed_at as updated_at
            from lakehouse.cdp.profiles p
            cross join unnest(p.identifiers) as i(identifier)
            where p.merged_into is null""",
            """
            create or replace view lakehouse.cdp.profile_events security invoker as
            select i.profile_id, e.project_id, e.message_id, e.type, e.event, e.name, e.anonymous_id, e.user_id, e.group_id,
                   e.previous_id, e."timestamp", e.original_timestamp, e.sent_at, e.received_at, e.source, e.properties,
                   e.traits, e.context, e.identifier
            from lakehouse.cdp.events e
            left join lakehouse.cdp.identities i on i.project_id = e.project_id and i.identifier = e.identifier""");

    private LakehouseViews() {}

    /** Creates or replaces every view over {@code trino} (a connection to the Trino coordinator). */
    public static void ensure(Connection trino) throws SQLException {
        try (Statement statement = trino.createStatement()) {
            for (String view : VIEWS) {
                statement.execute(view);
            }
        }
    }
}
