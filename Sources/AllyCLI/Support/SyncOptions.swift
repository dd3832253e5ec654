import AllyCore
import AllyProtocol
import AllyStore
import AllySync
import ArgumentParser
import Foundation

/// Helpers shared by the account and sync commands.
enum SyncSupport {
    /// The link of a journal, or an error saying how to make one.
    static func link(_ journal: Journal) throws -> AccountLink {
        guard let link = try AccountLink.load(from: journal) else {
            throw SyncError(
                .notLoggedIn,
                "this journal is not linked to a server yet: `ally account register` (new account) or `ally account login`"
            )
        }
        return link
    }

    static func transport(for link: AccountLink) throws -> HTTPSyncTransport {
        try transport(server: link.server, allowInsecureHTTP: link.allowInsecureHTTP)
    }

    /// A transport that trusts `$SSL_CERT_FILE` instead of the system's certificate authorities when it is set.
    static func transport(server: String, allowInsecureHTTP: Bool) throws -> HTTPSyncTransport {
        try HTTPSyncTransport(
            server: server, allowInsecureHTTP: allowInsecureHTTP,
            caFile: CLIContext.current.environment["SSL_CERT_FILE"])
    }

    /// Warns about devices whose own clock read more than ten minutes ahead of this laptop's when they wrote
    /// (device id → latest such reading, ISO 8601; SPEC §3). Nothing is refused: the merge stays correct, but that
    /// laptop's clock is wrong and the entries it touched show its times.
    static func warnClockAhead(_ devices: [String: String], context: CLIContext) {
        for (device, stamp) in devices.sorted(by: { $0.key < $1.key }) {
            context.note(
                "Note: the clock of device \(device.prefix(8)) read \(stamp) when it wrote, ahead of this laptop's. "
                    + "Its changes were merged, but the entries it touched show that future time, and its edits win "
                    + "over edits made elsewhere until real time catches up: set that laptop's clock right.")
        }
    }

    /// Says that this journal turned out to be a restored or copied one and moved to a new device id (SPEC §2.2).
    static func noteFork(_ fork: Journal.Fork, context: CLIContext) {
        context.note(
            "Note: another copy of this journal (a backup restored here, or a copied file) wrote different changes "
                + "under its device id \(fork.formerDeviceID.short). This journal now writes as \(fork.newDeviceID.short): "
                + "\(plural(fork.reissued, "change")) of its own renumbered, \(plural(fork.merged, "change")) of the "
                + "other copy merged. Nothing was lost.")
    }

    /// The name a laptop gets in `ally devices`: the one given, else the host name with the start of the device
    /// id, so that two laptops with one host name ("vm") still tell apart.
    static func deviceName(_ given: String?, deviceID: DeviceID) -> String {
        if let given, !given.isEmpty { return given }
        return "\(ProcessInfo.processInfo.hostName)-\(deviceID.rawValue.prefix(4))"
    }

    /// The account's one device whose id starts with `prefix`, or an error that says none or several do.
    static func device(matching prefix: String, transport: HTTPSyncTransport, link: AccountLink) throws -> Wire.Device {
        let matches = try transport.devices(token: link.token).devices.filter {
            $0.deviceID.hasPrefix(prefix.lowercased())
        }
        guard matches.count == 1, let device = matches.first else {
            throw CLIError(
                matches.isEmpty
                    ? "no device starts with \(Quoted(prefix)) (see `ally devices`)"
                    : "\(Quoted(prefix)) matches several devices; type more", exitCode: matches.isEmpty ? 3 : 2)
        }
        return device
    }

    /// Keeps the laptops' names in the journal for offline display.
    static func remember(_ devices: [Wire.Device], in journal: Journal) {
        var names: [DeviceID: String] = [:]
        for device in devices { if let id = DeviceID(rawValue: device.deviceID) { names[id] = device.name } }
        try? journal.rememberDeviceNames(names)
    }
}

/// `--passphrase-file`, shared by the commands that need the passphrase.
struct PassphraseOptions: ParsableArguments {
    @Option(
        name: .customLong("passphrase-file"),
        help: "Read the passphrase from the first line of this file (else $ALLY_PASSPHRASE, else the terminal).")
    var passphraseFile: String?
}

/// `--server`, `--username`, `--allow-insecure-http`.
struct ServerOptions: ParsableArguments {
    @Option(
        name: .customLong("server"),
        help: "The server, e.g. https://ally.example.org (login and recover default to the one this journal knows).")
    var givenServer: String?
    @Option(name: .customLong("username"), help: "Your username on that server (same default).")
    var givenUsername: String?

    /// The server and username: as given, else what this journal remembers from its last account (kept across
    /// logout and set by recover), else an error that says what to add.
    func account(remembered journal: Journal?) throws -> (server: String, username: String) {
        let state = (try? journal?.syncState()) ?? [:]
        guard let server = givenServer ?? state["server"] ?? state["account-server"] else {
            throw CLIError("give --server URL (this journal does not know a server yet)", exitCode: 2)
        }
        guard let username = givenUsername ?? state["username"] ?? state["account-username"] else {
            throw CLIError("give --username NAME (this journal does not know an account yet)", exitCode: 2)
        }
        return (server, username)
    }

    /// Remembers the account in `journal` so that a later bare `ally account login` knows where to go.
    static func remember(server: String, username: String, in journal: Journal) {
        try? journal.updateSyncState(["account-server": server, "account-username": username])
    }
    @Flag(
        name: .customLong("allow-insecure-http"),
        help: "Allow http:// to a host other than this machine (not recommended).")
    var allowInsecureHTTP = false
    @Option(
        name: .customLong("device-name"), help: "How this laptop is named in `ally devices` (default: the host name).")
    var deviceName: String?
}
