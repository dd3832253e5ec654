import AllyServerCore
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `ally-server`: the sync relay (DESIGN.md §7).
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct ServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ally-server",
        abstract: "The ally sync server: stores and relays end-to-end encrypted changes.",
        discussion: """
            It never sees a passphrase, a journal key or a word of any entry: only encrypted envelopes, salted \
            hashes of login keys, and SHA-256 hashes of device tokens. See docs/DEPLOY.md.

            Start:
              ally-server serve                                  # SQLite under $XDG_DATA_HOME/ally-server
              ally-server invite                                 # a one-time registration code
              ally-server serve --database postgres://ally@db/ally --host 0.0.0.0
            """,
        version: "0.1.0",
        subcommands: [Serve.self, Invite.self])

    public init() {}

    /// Parses the process arguments and runs the chosen subcommand, awaiting the asynchronous ones.
    /// (A top-level `await ServerCommand.main()` resolves to argument-parser's synchronous `main`.)
    public static func runAsync() async {
        do {
            var command = try parseAsRoot()
            switch command {
            case var serve as Serve: try await serve.run()
            case var invite as Invite: try await invite.run()
            default: try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// `--database`, shared by the subcommands.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "An SQLite file path, or a postgres:// URL.",
            discussion: "Defaults to $ALLY_SERVER_DATABASE, else $XDG_DATA_HOME/ally-server/server.sqlite.",
            valueName: "path-or-url"))
    var database: String?

    func open() async throws -> any ServerStore {
        let environment = ProcessInfo.processInfo.environment
        let target =
            database ?? environment["ALLY_SERVER_DATABASE"]
            ?? ((environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.local/share"))
                + "/ally-server/server.sqlite")
        let store: any ServerStore
        if target.hasPrefix("postgres://") || target.hasPrefix("postgresql://") {
            store = try PostgresServerStore(url: target)
        } else {
            store = try SQLiteServerStore(path: target)
        }
        try await store.migrate()
        return store
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server.",
        discussion: """
            Listens on 127.0.0.1:8377 by default. For anything but loopback, serve TLS with --tls-cert and \
            --tls-key, or put a TLS reverse proxy in front (docs/DEPLOY.md). Stops gracefully on SIGTERM or \
            SIGINT, finishing requests in flight.

            Examples:
              ally-server serve
              ally-server serve --port 0            # any free port; the chosen one is printed
              ally-server serve --open-registration --database /var/lib/ally/server.sqlite
              ally-server serve --host 0.0.0.0 --port 443 --tls-cert fullchain.pem --tls-key privkey.pem
            """)

    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port (0 picks a free one).") var port = 8377
    @Flag(help: "Let anyone register without an invite code.") var openRegistration = false
    @Option(help: "Largest request body, in bytes.") var maxBodyBytes = 8 << 20
    @Option(name: .customLong("tls-cert"), help: "Serve HTTPS with this PEM certificate chain (needs --tls-key).")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "The PEM private key for --tls-cert.") var tlsKey: String?
    @Option(
        name: .customLong("metrics-token-file"),
        help: ArgumentHelp(
            "Serve /metrics to requests bearing the token in this file's first line.",
            discussion:
                "Also $ALLY_SERVER_METRICS_TOKEN. Without a token /metrics answers 404: request counts and timings "
                + "show when accounts are active, so only a scraper holding the token reads them.",
            valueName: "path"))
    var metricsTokenFile: String?
    @Option(help: "Close a connection that sends nothing for this many seconds.") var idleTimeout = 30
    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "The address of a reverse proxy whose X-Forwarded-For names the real client (repeatable).",
            discussion:
                "Failed logins slow down per client address; behind a proxy every client has the proxy's address "
                + "unless it is named here (e.g. --trusted-proxy 127.0.0.1 for a proxy on the same host).",
            valueName: "address"))
    var trustedProxies: [String] = []

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0–65535") }
        guard (64 << 10...256 << 20).contains(maxBodyBytes) else {
            throw ValidationError("--max-body-bytes must be 64 KiB–256 MiB")
        }
        guard (1...3_600).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be 1–3600 seconds") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "ally-server")
        let store = try await databaseOptions.open()
        if let problem = try await store.durabilityProblem() {
            throw ValidationError("refusing to serve: \(problem)")
        }
        var limits = SyncService.defaultLimits
        limits.maxBodyBytes = maxBodyBytes
        let service = SyncService(store: store, limits: limits, openRegistration: openRegistration)
        let tls = try tlsCert.map { try ServerApp.tlsConfiguration(certificate: $0, key: tlsKey ?? "") }
        let scheme = tls == nil ? "http" : "https"
        let app = try ServerApp.makeApplication(
            service: service, host: host, port: port, tls: tls, registry: registry, metricsToken: try metricsToken(),
            trustedProxies: Set(trustedProxies), idleTimeout: idleTimeout, logger: logger,
            onRunning: { port in
                FileHandle.standardOutput.write(Data("ally-server listening on \(scheme)://\(host):\(port)\n".utf8))
            })
        // SIGTERM or SIGINT: stop accepting, let requests in flight finish — but not for ever. A request waiting on a
        // database that went away (PostgreSQL restarted under the server) would otherwise hold the shutdown until the
        // service manager's own timeout; after the grace period it is cancelled, and after the cancellation period
        // the process exits (found by Tools/reliability/servercrash.py). Its laptop sees a lost answer and syncs again.
        var configuration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(Self.shutdownGraceSeconds)
        configuration.maximumCancellationDuration = .seconds(2)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// How long requests in flight may take to finish after SIGTERM.
    static let shutdownGraceSeconds: Int64 = 5
}

extension Serve {
    /// The metrics token from --metrics-token-file or $ALLY_SERVER_METRICS_TOKEN, if either is set.
    func metricsToken() throws -> String? {
        var token = ProcessInfo.processInfo.environment["ALLY_SERVER_METRICS_TOKEN"]
        if let metricsTokenFile {
            guard let text = try? String(contentsOfFile: metricsTokenFile, encoding: .utf8) else {
                throw ValidationError("cannot read --metrics-token-file \(metricsTokenFile)")
            }
            token = text.split(whereSeparator: \.isNewline).first.map(String.init)
        }
        guard let token, !token.isEmpty else { return nil }
        guard token.count >= 16 else { throw ValidationError("the metrics token must be at least 16 characters") }
        return token
    }
}

struct Invite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a one-time invite code for registering an account.",
        discussion: """
            The code is printed once and stored only as a hash. Give it to one person:
              ally account register --server https://ally.example.org --username sam --invite CODE
            """)

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        let service = SyncService(store: try await databaseOptions.open())
        print(try await service.makeInvite())
    }
}
