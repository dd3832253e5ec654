import CAllyCurl
import Foundation

/// One libcurl handle (connections stay open between requests), over the C shim in `CAllyCurl`, which loads
/// libcurl with dlopen the first time a client is made. `ally` does not link libcurl or FoundationNetworking:
/// loading them and their dependencies took ~7 ms of every command's start, sync or not (docs/PERFORMANCE.md).
/// Not thread-safe: `HTTPSyncTransport` serialises its requests.
final class CurlClient {
    struct Answer {
        var statusCode: Int
        var body: Data
    }

    struct Failure: Error {
        var message: String
        /// False when retrying cannot help (a certificate that fails verification, libcurl missing).
        var retryable: Bool
        /// True when libcurl itself could not be loaded: no request was made.
        var unloaded = false
    }

    private let handle: OpaquePointer

    /// libcurl's errors that a retry cannot mend: unsupported protocol (1), malformed URL (3), the server's
    /// certificate failed verification (60), the certificate authority file cannot be read (77).
    static let final: Set<Int32> = [1, 3, 60, 77]

    init() throws(Failure) {
        var error = [CChar](repeating: 0, count: 512)
        guard let made = ally_http_client_new(&error, error.count) else {
            throw Failure(
                message: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
                retryable: false, unloaded: true)
        }
        handle = made
    }

    deinit { ally_http_client_free(handle) }

    func send(method: String, url: String, headers: [String], body: Data?, timeout: TimeInterval, caFile: String?)
        throws(Failure) -> Answer
    {
        var response = ally_http_response()
        defer { ally_http_response_free(&response) }
        let cHeaders = headers.map { strdup($0) }
        defer { cHeaders.forEach { free($0) } }
        let seconds = max(1, Int(timeout.rounded(.up)))
        let result: Int32 = cHeaders.map { UnsafePointer($0) }.withUnsafeBufferPointer { headerList in
            func perform(_ bytes: UnsafeRawPointer?, _ count: Int) -> Int32 {
                ally_http_perform(
                    handle, method, url, headerList.baseAddress, headerList.count, bytes, count, seconds, caFile,
                    &response)
            }
            guard let body else { return perform(nil, 0) }
            return body.withUnsafeBytes { perform($0.baseAddress, $0.count) }  // empty: nil, sent as an empty body
        }
        let message = withUnsafeBytes(of: response.error) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        guard result == 0 else {
            throw Failure(message: message.isEmpty ? "no answer" : message, retryable: !Self.final.contains(result))
        }
        let data = response.body.map { Data(bytes: $0, count: response.body_length) } ?? Data()
        return Answer(statusCode: response.status, body: data)
    }
}
