import AllyProtocol

/// How the client talks to a server: HTTP in production (`HTTPSyncTransport`), anything else in tests.
/// Calls block until answered; failures are `SyncError`s.
public protocol SyncTransport: Sendable {
    func info() throws -> Wire.Info
    func register(_ request: Wire.Registration) throws -> Wire.Account
    func prelogin(_ request: Wire.PreloginRequest) throws -> Wire.Prelogin
    func login(_ request: Wire.LoginRequest) throws -> Wire.Session
    func changePassphrase(_ request: Wire.PassphraseChange, token: String) throws
    func recoveryKey(_ request: Wire.RecoveryRequest) throws -> Wire.RecoveryKeyCopy
    func resetPassphrase(_ request: Wire.RecoveryReset) throws
    func devices(token: String) throws -> Wire.Devices
    func revoke(deviceID: String, token: String) throws
    /// Renames one of the account's devices.
    func rename(deviceID: String, name: String, token: String) throws
    func push(_ request: Wire.Push, token: String) throws -> Wire.PushResult
    func pull(after cursor: String, limit: Int, token: String) throws -> Wire.Page
    /// The runs of change ids the server holds (`GET /v1/changes/held`).
    func held(token: String) throws -> Wire.Held
    /// Key rotation (SPEC §8.1): `POST /v1/account/keys`.
    func rotateKey(_ rotation: Wire.KeyRotation, token: String) throws
    /// `GET /v1/account/keys/current`.
    func currentKey(token: String) throws -> Wire.CurrentKey
    /// `PUT /v1/devices/{id}/key`.
    func setDeviceKey(_ key: Wire.DevicePublicKey, token: String) throws
    /// `GET /v1/devices/{id}/exposure`.
    func exposure(deviceID: String, token: String) throws -> Wire.Exposure
}

extension SyncTransport {
    public func rotateKey(_ rotation: Wire.KeyRotation, token: String) throws {
        throw SyncError(.refused, "this connection cannot rotate keys")
    }
    public func currentKey(token: String) throws -> Wire.CurrentKey {
        throw SyncError(.refused, "this connection cannot fetch keys")
    }
    public func setDeviceKey(_ key: Wire.DevicePublicKey, token: String) throws {
        throw SyncError(.refused, "this connection cannot set keys")
    }
    public func exposure(deviceID: String, token: String) throws -> Wire.Exposure {
        throw SyncError(.refused, "this connection cannot report exposure")
    }
}
