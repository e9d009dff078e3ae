package io.sillage.stack.component;

import io.sillage.stack.StackConfig;
import io.sillage.stack.StackException;
import io.sillage.stack.process.Http;
import io.sillage.stack.process.ManagedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Trino 476, single node, with catalog {@code lakehouse} over the same Iceberg JDBC catalog as the jobs.
 * The server tarball and the Iceberg plugin come from Maven (module infra/runtime/trino) and are
 * extracted once under that module's target directory. Trino needs Java 24+: a JDK is looked up in
 * {@code SILLAGE_TRINO_JAVA_HOME}, then in /usr/lib/jvm.
 */
public class Trino extends Component {
    private final Postgres postgres;

    public Trino(StackConfig config, Postgres postgres) {
        super(config, "trino");
        this.postgres = postgres;
    }

    @Override
    public int port() {
        return config.trinoPort();
    }

    private Path root() {
        return config.var().resolve("trino");
    }

    @Override
    public boolean isHealthy() {
        return Http.get(config.trinoUrl() + "/v1/info").map(body -> body.replace(" ", "").contains("\"starting\":false")).orElse(false);
    }

    @Override
    protected void prepare() {
        Path server = installation();
        try {
            Path etc = root().resolve("etc");
            Files.createDirectories(etc.resolve("catalog"));
            Files.createDirectories(root().resolve("data"));
            Files.createDirectories(root().resolve("tmp"));
            Files.writeString(etc.resolve("config.properties"), String.join("\n",
                    "coordinator=true",
                    "node-scheduler.include-coordinator=true",
                    "http-server.http.port=" + port(),
                    "discovery.uri=http://" + config.host() + ":" + port(),
                    "query.max-memory=1GB",
                    "query.max-memory-per-node=1GB",
                    ""));
            Files.writeString(etc.resolve("log.properties"), "io.trino=INFO\n");
            Files.writeString(etc.resolve("catalog").resolve("lakehouse.properties"), String.join("\n",
                    "connector.name=iceberg",
                    "iceberg.catalog.type=jdbc",
                    "iceberg.jdbc-catalog.catalog-name=lakehouse",
                    "iceberg.jdbc-catalog.driver-class=org.postgresql.Driver",
                    "iceberg.jdbc-catalog.connection-url=" + postgres.jdbcUrl(Postgres.CATALOG_DATABASE),
                    "iceberg.jdbc-catalog.connection-user=" + Postgres.USER,
                    "iceberg.jdbc-catalog.connection-password=" + postgres.password(),
                    "iceberg.jdbc-catalog.default-warehouse-dir=" + warehouseUri(config),
                    "iceberg.expire-snapshots.min-retention=1h",
                    "iceberg.remove-orphan-files.min-retention=1h",
                    "fs.native-local.enabled=true",
                    "local.location=/",
                    ""));
            Files.setPosixFilePermissions(etc.resolve("catalog").resolve("lakehouse.properties"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            if (!server.resolve("plugin").toFile().isDirectory()) {
                throw new StackException("Trino installation " + server + " has no plugin directory");
            }
        }
        catch (IOException e) {
            throw new StackException("Cannot prepare Trino in " + root() + ": " + e.getMessage(), e);
        }
    }

    /** JDBC URL of the coordinator, on catalog lakehouse and schema cdp. */
    public String jdbcUrl() {
        return "jdbc:trino://" + config.host() + ":" + config.trinoPort() + "/lakehouse/cdp";
    }

    /** A connection as {@code user}; Trino on loopback has no password. */
    public Connection connect(String user) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        return DriverManager.getConnection(jdbcUrl(), properties);
    }

    public static String warehouseUri(StackConfig config) {
        return "file://" + config.var().resolve("warehouse");
    }

    @Override
    protected List<String> command() {
        Path server = installation();
        Path etc = root().resolve("etc");
        return List.of(javaHome().resolve("bin").resolve("java").toString(),
                "-Xmx2G",
                "-XX:+UseG1GC",
                "-XX:+ExplicitGCInvokesConcurrent",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:-OmitStackTraceInFastThrow",
                "-XX:ReservedCodeCacheSize=256M",
                "-XX:+EnableDynamicAgentLoading",
                "--enable-native-access=ALL-UNNAMED",
                "-Djdk.attach.allowAttachSelf=true",
                "-Dfile.encoding=UTF-8",
                "-Djava.io.tmpdir=" + root().resolve("tmp"),
                "-Dnode.environment=sillage",
                "-Dnode.id=sillage-local",
                "-Dnode.data-dir=" + root().resolve("data"),
                "-Dnode.bind-ip=" + config.host(),
                "-Dnode.internal-address=" + config.host(),
                "-Dconfig=" + etc.resolve("config.properties"),
                "-Dlog.levels-file=" + etc.resolve("log.properties"),
                "-Dcatalog.config-dir=" + etc.resolve("catalog"),
                "-Dplugin.dir=" + server.resolve("plugin"),
                "-cp", server.resolve("lib") + "/*",
                "io.trino.server.TrinoServer");
    }

    @Override
    protected Path workingDirectory() {
        return root();
    }

    @Override
    protected String hint() {
        return "Trino logs are in " + logFile() + "; it needs about 2 GB of memory and a Java 24+ runtime (" + javaHome() + ")";
    }

    /** The Trino CLI, for {@code ./cdp sql}: it runs on the default Java. */
    public Path cliJar() {
        return Artifacts.file(config.home(), "infra/runtime/trino/target/trino/trino-cli-executable.jar");
    }

    /** The extracted server, shared by every stack built from this checkout. */
    Path installation() {
        Path archives = config.home().resolve("infra/runtime/trino/target/trino");
        Path server = archives.resolve("server");
        if (Files.exists(server.resolve(".complete"))) {
            return server;
        }
        Path tarball = Artifacts.file(config.home(), "infra/runtime/trino/target/trino/trino-server-core.tar.gz");
        Path plugin = Artifacts.file(config.home(), "infra/runtime/trino/target/trino/trino-iceberg.zip");
        try {
            Path staging = Files.createTempDirectory(archives, "server-");
            // tar, not Maven's unpack: the tarball uses hard links that unpack turns into empty jars
            ManagedProcess.run(List.of("tar", "xzf", tarball.toString(), "-C", staging.toString(), "--strip-components=1"), archives, Duration.ofMinutes(5));
            Path pluginDir = staging.resolve("plugin").resolve("iceberg");
            Files.createDirectories(pluginDir);
            unzipFlat(plugin, pluginDir);
            Files.writeString(staging.resolve(".complete"), "ok\n");
            if (Files.exists(server)) {
                deleteRecursively(server);
            }
            Files.move(staging, server, StandardCopyOption.ATOMIC_MOVE);
            return server;
        }
        catch (IOException e) {
            if (Files.exists(server.resolve(".complete"))) {
                return server;
            }
            throw new StackException("Cannot extract the Trino server into " + server + ": " + e.getMessage(), e);
        }
    }

    /** Plugin zips hold one top-level directory: its files go straight into {@code target}. */
    private static void unzipFlat(Path zip, Path target) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                String name = entry.getName();
                int slash = name.indexOf('/');
                String relative = slash < 0 ? name : name.substring(slash + 1);
                if (relative.isEmpty() || entry.isDirectory()) {
                    continue;
                }
                Path destination = target.resolve(relative).normalize();
                if (!destination.startsWith(target)) {
                    throw new IOException("Zip entry outside the plugin directory: " + name);
                }
                Files.createDirectories(destination.getParent());
                Files.copy(in, destination, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** A JDK of version 24 or newer for the Trino server. */
    Path javaHome() {
        if (config.trinoJavaHome().isPresent()) {
            Path home = config.trinoJavaHome().get();
            if (javaVersion(home).orElse(0) < 24) {
                throw new StackException("SILLAGE_TRINO_JAVA_HOME=" + home + " is not a Java 24+ JDK (Trino 476 needs Java 24 or newer)");
            }
            return home;
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(Path.of(System.getProperty("java.home")));
        try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            jvms.forEach(candidates::add);
        }
        catch (IOException e) {
            // no system JVM directory
        }
        return candidates.stream()
                .filter(home -> javaVersion(home).orElse(0) >= 24)
                .max(Comparator.comparing(home -> javaVersion(home).orElse(0)))
                .orElseThrow(() -> new StackException("Trino 476 needs a Java 24+ runtime and none was found in /usr/lib/jvm. "
                        + "Install one (for example the Temurin 25 JDK) and set SILLAGE_TRINO_JAVA_HOME to its directory."));
    }

    private static Optional<Integer> javaVersion(Path home) {
        try {
            if (!Files.isExecutable(home.resolve("bin").resolve("java"))) {
                return Optional.empty();
            }
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    String major = version.split("[.+-]")[0];
                    return Optional.of(Integer.parseInt(major));
                }
            }
        }
        catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
