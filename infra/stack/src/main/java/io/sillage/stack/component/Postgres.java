package io.sillage.stack.component;

import io.sillage.stack.StackConfig;
import io.sillage.stack.StackException;
import io.sillage.stack.process.ManagedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * PostgreSQL from the Debian binaries: the Iceberg JDBC catalog ({@code iceberg_catalog}) and the
 * operational database ({@code sillage}). Password authentication on loopback; the generated password is
 * in {@code var/postgres/password}. As root, initdb and the server run as the {@code postgres} user.
 */
public class Postgres extends Component {
    public static final String USER = "sillage";
    public static final String CATALOG_DATABASE = "iceberg_catalog";
    public static final String OPERATIONAL_DATABASE = "sillage";

    public Postgres(StackConfig config) {
        super(config, "postgres");
    }

    @Override
    public int port() {
        return config.postgresPort();
    }

    private Path root() {
        return config.var().resolve("postgres");
    }

    private Path dataDir() {
        return root().resolve("data");
    }

    @Override
    public Path logFile() {
        // written by the server itself, so it lives where the postgres user may write
        return root().resolve("postgres.log");
    }

    @Override
    public Optional<Long> pid() {
        // postmaster.pid survives a crash: only trust it while that pid is a postgres process
        return ManagedProcess.readFirstLinePid(dataDir().resolve("postmaster.pid")).filter(ManagedProcess::isAlive)
                .filter(pid -> ProcessHandle.of(pid).flatMap(handle -> handle.info().command()).map(command -> command.contains("postgres")).orElse(false));
    }

    public String password() {
        try {
            return Files.readString(root().resolve("password")).trim();
        }
        catch (IOException e) {
            throw new StackException("Cannot read the PostgreSQL password in " + root().resolve("password") + ": " + e.getMessage());
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + config.host() + ":" + port() + "/" + database;
    }

    @Override
    public boolean isHealthy() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), USER, password());
                Statement statement = connection.createStatement()) {
            statement.execute("select 1");
            return true;
        }
        catch (SQLException | StackException e) {
            return false;
        }
    }

    @Override
    protected String hint() {
        return "check " + logFile() + "; a stale var/postgres/data/postmaster.pid after a crash is removed by PostgreSQL itself on the next start";
    }

    @Override
    protected void prepare() {
        Path bin = binaries();
        try {
            Files.createDirectories(root());
            if (!Files.exists(dataDir().resolve("PG_VERSION"))) {
                Path passwordFile = root().resolve("password");
                if (!Files.exists(passwordFile)) {
                    byte[] secret = new byte[18];
                    new SecureRandom().nextBytes(secret);
                    Files.writeString(passwordFile, HexFormat.of().formatHex(secret));
                    Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
                }
                ownForServer();
                runAsServerUser(List.of(bin.resolve("initdb").toString(), "-D", dataDir().toString(), "-U", USER,
                        "--pwfile=" + passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"), Duration.ofMinutes(2));
            }
            ownForServer();
            Files.createDirectories(root().resolve("socket"));
            ownForServer();
        }
        catch (IOException e) {
            throw new StackException("Cannot prepare PostgreSQL in " + root() + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected List<String> command() {
        throw new UnsupportedOperationException("started through pg_ctl");
    }

    @Override
    protected void launch() {
        Path bin = binaries();
        String options = "-p " + port() + " -k " + root().resolve("socket") + " -c listen_addresses=" + config.host()
                + " -c max_connections=200 -c shared_buffers=128MB";
        runAsServerUser(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir().toString(), "-l", logFile().toString(),
                "-o", options, "-w", "-t", "60", "start"), Duration.ofSeconds(90));
    }

    @Override
    public void stop() {
        if (pid().isPresent()) {
            try {
                runAsServerUser(List.of(binaries().resolve("pg_ctl").toString(), "-D", dataDir().toString(), "-m", "fast", "-w", "stop"), Duration.ofSeconds(60));
            }
            catch (StackException e) {
                super.stop();
            }
        }
    }

    /** Creates the databases the platform needs, if missing. */
    public void createDatabases() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), USER, password());
                Statement statement = connection.createStatement()) {
            for (String database : List.of(CATALOG_DATABASE, OPERATIONAL_DATABASE)) {
                try (ResultSet rows = statement.executeQuery("select 1 from pg_database where datname = '" + database + "'")) {
                    if (rows.next()) {
                        continue;
                    }
                }
                statement.execute("create database " + database);
            }
        }
        catch (SQLException e) {
            throw new StackException("Cannot create the PostgreSQL databases: " + e.getMessage(), e);
        }
    }

    private boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private void runAsServerUser(List<String> command, Duration timeout) {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        ManagedProcess.run(full, root(), timeout);
    }

    /** initdb refuses to run as root: the data area belongs to the postgres user, and its parents must be traversable. */
    private void ownForServer() throws IOException {
        if (!isRoot()) {
            return;
        }
        for (Path dir = root(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir)) {
                var permissions = Files.getPosixFilePermissions(dir);
                if (!permissions.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    permissions.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
                    Files.setPosixFilePermissions(dir, permissions);
                }
            }
        }
        ManagedProcess.run(List.of("chown", "-R", "postgres:postgres", root().toString()), config.var(), Duration.ofSeconds(30));
        Path password = root().resolve("password");
        if (Files.exists(password)) {
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /** The directory of pg_ctl and initdb: PATH, then the newest Debian install; installed with apt as root. */
    Path binaries() {
        Optional<Path> found = findBinaries();
        if (found.isPresent()) {
            return found.get();
        }
        if (isRoot()) {
            System.out.println("PostgreSQL binaries not found: installing the Debian package 'postgresql' with apt-get...");
            ManagedProcess.run(List.of("apt-get", "update", "-q"), config.var(), Duration.ofMinutes(5));
            ManagedProcess.run(List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "postgresql"), config.var(), Duration.ofMinutes(10));
            return findBinaries().orElseThrow(() -> new StackException("apt-get installed postgresql but initdb and pg_ctl are still not found"));
        }
        throw new StackException("PostgreSQL binaries (initdb, pg_ctl) not found. Install them with 'sudo apt-get install postgresql' "
                + "or put their directory on PATH, then run ./cdp up again.");
    }

    private static Optional<Path> findBinaries() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "pg_ctl")) && Files.isExecutable(Path.of(dir, "initdb"))) {
                Path resolved = Path.of(dir, "pg_ctl");
                try {
                    resolved = resolved.toRealPath();
                }
                catch (IOException e) {
                    // keep the PATH entry
                }
                // Debian's /usr/bin/pg_ctl is a wrapper script: prefer the real server binaries beside the resolved file
                if (Files.isExecutable(resolved.resolveSibling("postgres"))) {
                    return Optional.of(resolved.getParent());
                }
            }
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                return versions.map(version -> version.resolve("bin"))
                        .filter(bin -> Files.isExecutable(bin.resolve("pg_ctl")) && Files.isExecutable(bin.resolve("initdb")))
                        .max(Comparator.comparing(bin -> versionNumber(bin.getParent().getFileName().toString())));
            }
            catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static int versionNumber(String name) {
        try {
            return Integer.parseInt(name);
        }
        catch (NumberFormatException e) {
            return 0;
        }
    }
}
