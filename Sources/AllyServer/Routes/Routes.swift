import AllyProtocol
import AllyServerCore
import Foundation
import HTTPTypes
import Hummingbird
import Prometheus

/// The HTTP routes (SPEC §9, Protocol/openapi.yaml): each a thin mapping onto `SyncService`.
struct Routes {
    let service: SyncService
    let registry: PrometheusCollectorRegistry
    /// The bearer token `/metrics` asks for; without one, `/metrics` answers 404 (it is not served).
    let metricsToken: String?
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`).
    let trustedProxies: Set<String>

    /// The client's address for rate limits: the peer, or — when the peer is a trusted proxy — the nearest address
    /// in `X-Forwarded-For` that is not itself a trusted proxy. A client that is not a trusted proxy cannot choose
    /// its address by sending the header.
    static func clientAddress(peer: String, forwardedFor: String?, trusted: Set<String>) -> String {
        guard trusted.contains(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return hops.reversed().first { !$0.isEmpty && !trusted.contains($0) }.map { String($0.prefix(64)) } ?? peer
    }

    /// Adds every route to `router` and records it in `table`.
    func add(to router: Router<AllyRequestContext>, table: RouteTable) {
        let root = RecordingRoutes(router: router, prefix: "", table: table)
        let pushed = registry.makeCounter(name: "ally_changes_pushed_total", help: "Changes stored by pushes")
        let pulled = registry.makeCounter(name: "ally_changes_pulled_total", help: "Changes served by pulls")
        let logins = registry.makeCounter(name: "ally_logins_total", help: "Successful device logins")

        root.on(.get, "healthz") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        root.on(.get, "metrics") { request, _ in
            // Request counts and timings say when an account is active: only whoever holds the metrics token
            // (a Prometheus scraper) reads them, never a client of the sync API (issue 9 §6).
            guard let metricsToken else {
                throw ServerError(.notFound, "metrics are not served; start the server with a metrics token")
            }
            let given = request.headers[.authorization].map { String($0.dropFirst("Bearer ".count)) } ?? ""
            guard constantTimeEqual(sha256Hex(Data(given.utf8)), sha256Hex(Data(metricsToken.utf8))) else {
                throw ServerError(.unauthorized, "/metrics needs the metrics token")
            }
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        let v1 = root.group("v1")
        v1.on(.get, "info") { _, _ in try json(service.info()) }
        v1.on(.post, "accounts") { request, context in
            let body = try await Self.decode(Wire.Registration.self, from: request)
            return try json(try await service.register(body, from: address(request, context)), status: .created)
        }
        v1.on(.post, "prelogin") { request, context in
            try json(
                try await service.prelogin(try await Self.decode(Wire.PreloginRequest.self, from: request)))
        }
        v1.on(.post, "sessions") { request, context in
            let session = try await service.login(
                try await Self.decode(Wire.LoginRequest.self, from: request), from: address(request, context))
            logins.increment()
            return try json(session, status: .created)
        }
        v1.on(.post, "recovery/key") { request, context in
            try json(
                try await service.recoveryKey(
                    try await Self.decode(Wire.RecoveryRequest.self, from: request),
                    from: address(request, context)))
        }
        v1.on(.put, "recovery/passphrase") { request, context in
            try await service.resetPassphrase(
                try await Self.decode(Wire.RecoveryReset.self, from: request), from: address(request, context))
            return Response(status: .noContent)
        }
        v1.on(.put, "account/passphrase") { request, context in
            let caller = try await authenticate(request)
            try await service.changePassphrase(
                try await Self.decode(Wire.PassphraseChange.self, from: request), caller: caller)
            return Response(status: .noContent)
        }
        v1.on(.get, "devices") { request, _ in
            try json(try await service.devices(caller: try await authenticate(request)))
        }
        v1.on(.put, "devices/:deviceID") { request, context in
            let caller = try await authenticate(request)
            try await service.rename(
                deviceID: try context.parameters.require("deviceID"),
                to: try await Self.decode(Wire.DeviceRename.self, from: request), caller: caller)
            return Response(status: .noContent)
        }
        v1.on(.delete, "devices/:deviceID") { request, context in
            let caller = try await authenticate(request)
            try await service.revoke(deviceID: try context.parameters.require("deviceID"), caller: caller)
            return Response(status: .noContent)
        }
        v1.on(.post, "account/keys") { request, context in
            let caller = try await authenticate(request)
            try await service.rotateKey(try await Self.decode(Wire.KeyRotation.self, from: request), caller: caller)
            return Response(status: .noContent)
        }
        v1.on(.get, "account/keys/current") { request, _ in
            try json(try await service.currentKey(caller: try await authenticate(request)))
        }
        v1.on(.put, "devices/:deviceID/key") { request, context in
            let caller = try await authenticate(request)
            try await service.setDeviceKey(
                deviceID: try context.parameters.require("deviceID"),
                try await Self.decode(Wire.DevicePublicKey.self, from: request), caller: caller)
            return Response(status: .noContent)
        }
        v1.on(.get, "devices/:deviceID/exposure") { request, context in
            let caller = try await authenticate(request)
            return try json(
                try await service.exposure(deviceID: try context.parameters.require("deviceID"), caller: caller))
        }
        v1.on(.post, "changes") { request, context in
            let caller = try await authenticate(request)
            let result = try await service.push(
                try await Self.decode(Wire.Push.self, from: request), caller: caller)
            pushed.increment(by: Int64(result.accepted))
            return try json(result)
        }
        v1.on(.get, "changes/held") { request, _ in
            try json(try await service.held(caller: try await authenticate(request)))
        }
        v1.on(.get, "changes") { request, _ in
            let caller = try await authenticate(request)
            let query = request.uri.queryParameters
            var limit: Int?
            if let text = query["limit"] {
                guard let value = Int(String(text)) else {
                    throw ServerError(.badRequest, "limit must be a whole number")
                }
                limit = value
            }
            let page = try await service.pull(after: query["after"].map(String.init), limit: limit, caller: caller)
            pulled.increment(by: Int64(page.changes.count))
            return try json(page)
        }
    }

    /// Decodes a request body after `StrictJSON` has checked it: a repeated key or a number like `1e3` is a 400, so
    /// the server never reads a request differently from the client that wrote it.
    static func decode<Body: Decodable>(_ type: Body.Type, from request: Request) async throws -> Body {
        var request = request
        let buffer = try await request.collectBody(upTo: 256 << 20)
        let data = Data(buffer: buffer)
        do {
            try StrictJSON.check(data)
        } catch let violation as StrictJSON.Violation {
            throw ServerError(.badRequest, "the request body is not acceptable JSON: \(violation.description)")
        }
        return try JSONDecoder().decode(Body.self, from: data)
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")

    func address(_ request: Request, _ context: AllyRequestContext) -> String {
        Self.clientAddress(
            peer: context.remoteAddress, forwardedFor: Self.forwardedFor.flatMap { request.headers[$0] },
            trusted: trustedProxies)
    }

    func authenticate(_ request: Request) async throws -> SyncService.Caller {
        var token: String?
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            token = String(header.dropFirst(7))
        }
        return try await service.authenticate(token: token)
    }
}

/// A JSON response with `status`.
func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return Response(
        status: status, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}
