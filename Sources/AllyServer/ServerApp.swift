import AllyProtocol
import AllyServerCore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import Prometheus

/// Builds the ally-server application around a service: routes, problem responses, request logs without secrets.
public enum ServerApp {
    /// The router, for in-process tests (HummingbirdTesting's `.router`) and for the real server.
    public static func makeRouter(
        service: SyncService, registry: PrometheusCollectorRegistry = .init(), metricsToken: String? = nil,
        trustedProxies: Set<String> = []
    ) -> Router<AllyRequestContext> {
        let router = Router(context: AllyRequestContext.self)
        // Logs method, path and status only: never headers (tokens), queries or bodies (envelopes, keys).
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: MetricsMiddleware())
        let table = RouteTable()
        router.add(middleware: ProblemMiddleware(routes: table))
        router.add(middleware: BodyLimitMiddleware(limit: service.limits.maxBodyBytes))
        Routes(service: service, registry: registry, metricsToken: metricsToken, trustedProxies: trustedProxies).add(
            to: router, table: table)
        return router
    }

    /// The application listening on `host:port`, over TLS when `tls` is given; `onRunning` gets the bound port
    /// (useful with port 0).
    public static func makeApplication(
        service: SyncService, host: String, port: Int, tls: TLSConfiguration? = nil,
        registry: PrometheusCollectorRegistry = .init(), metricsToken: String? = nil, trustedProxies: Set<String> = [],
        idleTimeout: Int = 30, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        // A connection that sends nothing (a request cut off half-way, or a client holding sockets open) is closed
        // after `idleTimeout` seconds, so idle connections cannot pile up to the file limit.
        // Hummingbird counts decoded request parts, not bytes, as activity: a head trickled a byte at a time is idle
        // too, so this also closes slowloris connections.
        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .seconds(Int64(idleTimeout))))
        return Application(
            router: makeRouter(
                service: service, registry: registry, metricsToken: metricsToken, trustedProxies: trustedProxies),
            server: try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1,
            configuration: .init(address: .hostname(host, port: port), serverName: "ally-server"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// A TLS configuration from PEM files: the certificate chain and its private key.
    public static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(privateKey))
        } catch {
            throw ServerError(.badRequest, "cannot load the TLS certificate or key (\(certificate), \(key)): \(error)")
        }
    }
}
