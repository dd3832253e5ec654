import AllyCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private draft of an entry's text under the data folder (`$XDG_DATA_HOME/ally/drafts`, mode 0700; files
/// 0600): where the editor works, and what is kept when an editor fails, is interrupted, or the user aborts at
/// the patient-identifier question. `ally new --resume` reopens the newest.
struct Draft {
    /// The file.
    let path: String

    /// What the user types to get it back.
    var hint: String {
        kind.map { _ in "`ally new --resume` reopens it (\(path))" } ?? path
    }

    /// The entry kind a draft of a new entry was for, from its name (`20261123-174800-12345-mistake.md`).
    var kind: EntryKind? {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return name.split(separator: "-").last.flatMap { EntryKind(rawValue: String($0)) }
    }

    /// The drafts folder for this invocation, created private if missing.
    static func folder(context: CLIContext) throws -> String {
        let data =
            context.environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((context.environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        let folder = data + "/ally/drafts"
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            chmod(folder, 0o700)
        } catch {
            throw CLIError("cannot create the drafts folder \(folder): \(error.localizedDescription)")
        }
        return folder
    }

    /// Writes `text` to a new private draft. `kind` names what it is for: an entry kind for `ally new`, else a
    /// word such as "edit".
    static func make(_ text: String, kind: String, context: CLIContext) throws -> Draft {
        let stamp = ISOTimestamp.format(context.clock()).prefix(19).replacingOccurrences(of: ":", with: "")
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "T", with: "-")
        let path = try folder(context: context) + "/\(stamp)-\(getpid())-\(kind).md"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CLIError("cannot write a draft at \(path): \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        guard written == bytes.count else { throw CLIError("cannot write a draft at \(path)") }
        return Draft(path: path)
    }

    /// Keeps `text` as a draft of a new `kind` entry (an abort at the identifier question, say).
    @discardableResult
    static func keep(_ text: String, kind: EntryKind, context: CLIContext) -> Draft? {
        try? make(text, kind: kind.rawValue, context: context)
    }

    /// The drafts of new entries, newest first.
    static func all(context: CLIContext) throws -> [Draft] {
        let folder = try folder(context: context)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".md") }.sorted(by: >).map { Draft(path: folder + "/" + $0) }
            .filter { $0.kind != nil }
    }

    /// Replaces the draft's text (after an edit that is about to be saved, so an abort keeps the latest words).
    func update(_ text: String) {
        try? Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
    }

    /// Deletes the draft: its text is written to the journal, or was deliberately emptied.
    func discard() {
        unlink(path)
    }
}
