package io.sillage.lakehouse.maintenance;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

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

    /** Latest version per profile over the base and the given change rows (a SQL fragment used by the fold too). */
    public static String latestProfiles(String changes) {
        return """
                select %1$s from (
                    select %1$s, row_number() over (partition by project_id, profile_id order by version desc, changed_at desc) as latest
                    from (
                        select %1$s from lakehouse.cdp.profiles_base
                        union all
                        select %1$s from %2$s
                    )
                )
                where latest = 1""".formatted(PROFILE_COLUMNS, changes);
    }

    public static final List<String> VIEWS = List.of(
            "create or replace view lakehouse.cdp.profiles security invoker as\n" + latestProfiles("lakehouse.cdp.profile_changes"),
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
