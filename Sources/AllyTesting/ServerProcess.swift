import Foundation

/// A real `ally-server` process on loopback for tests: started on a free port, stopped (SIGTERM) when released.
public final class ServerProcess: @unchecked Sendable {
    /// `http://127.0.0.1:PORT`.
    public let url: String
    /// The database the server uses (a file path or a postgres:// URL).
    public let database: String
    let process: Process

    /// The built `ally-server` binary next to the test bundle's sources (`.build/debug/ally-server`).
    public static var binary: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/ally-server").path
    }

    /// Where the server's log (standard error) goes, if a test wants to read it.
    public let logFile: String?

    /// Starts a server on `database` with extra arguments (e.g. `--open-registration`).
    public init(database: String, arguments: [String] = [], logFile: String? = nil, port: Int = 0) throws {
        self.logFile = logFile
        self.database = database
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--port", String(port), "--database", database] + arguments
        let out = Pipe()
        process.standardOutput = out
        if let logFile {
            FileManager.default.createFile(atPath: logFile, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: logFile)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(30)
        var found: String?
        while found == nil, Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let range = text.range(of: "listening on ") {
                found = text[range.upperBound...].split(separator: "\n").first.map(String.init)
            }
        }
        guard let found else {
            process.terminate()
            throw NSError(
                domain: "ServerProcess", code: 1, userInfo: [NSLocalizedDescriptionKey: "ally-server did not start"])
        }
        url = found
    }

    /// Makes a one-time invite code with `ally-server invite` on the same database.
    public func invite() throws -> String {
        let invite = Process()
        invite.executableURL = URL(fileURLWithPath: Self.binary)
        invite.arguments = ["invite", "--database", database]
        let out = Pipe()
        invite.standardOutput = out
        try invite.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        invite.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Sends SIGTERM and waits: the graceful shutdown path.
    public func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { _ = stop() }
}
