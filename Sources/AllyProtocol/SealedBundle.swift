import Crypto
import Foundation
import _CryptoExtras

/// A bundle file encrypted under a passphrase (SPEC §6, "sealed bundle"): magic, version, scrypt cost, salt and
/// nonce in clear and authenticated; the plain bundle sealed with ChaCha20-Poly1305 under the scrypt key.
public enum SealedBundle {
    public static let magic = Data("ALLYSEAL".utf8)
    public static let version: UInt8 = 1
    /// Header bytes: magic, version, three cost bytes, salt, nonce.
    static let headerCount = 8 + 1 + 3 + 16 + 12

    /// Why a sealed bundle did not open.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case truncated
        case unknownVersion(UInt8)
        case unreasonableCost
        /// The passphrase is wrong, or the file was changed after sealing: the two cannot be told apart.
        case wrongPassphraseOrDamaged

        public var description: String {
            switch self {
            case .truncated: "the sealed bundle is truncated"
            case .unknownVersion(let version): "the sealed bundle has version \(version), which this ally cannot read"
            case .unreasonableCost: "the sealed bundle asks for a passphrase cost outside what ally accepts"
            case .wrongPassphraseOrDamaged: "wrong passphrase, or the sealed bundle was damaged or altered"
            }
        }
    }

    /// Whether `data` starts like a sealed bundle.
    public static func isSealed(_ data: Data) -> Bool { data.starts(with: magic) }

    /// Seals a plain bundle. `salt` and `nonce` are random unless given (test vectors give them).
    public static func seal(
        _ plain: Data, passphrase: String, logRounds: UInt8 = 15, salt: Data = secureRandomBytes(16),
        nonce: Data = secureRandomBytes(12)
    ) throws -> Data {
        precondition(salt.count == 16 && nonce.count == 12, "a sealed bundle has a 16-byte salt and a 12-byte nonce")
        var header = magic
        header.append(contentsOf: [version, logRounds, 8, 1])
        header.append(salt)
        header.append(nonce)
        let key = try derive(passphrase, salt: salt, logRounds: logRounds, blockSize: 8, parallelism: 1)
        let box = try ChaChaPoly.seal(
            plain, using: key, nonce: try ChaChaPoly.Nonce(data: nonce), authenticating: header)
        return header + box.ciphertext + box.tag
    }

    /// Opens a sealed bundle, returning the plain bundle. Checks the header before deriving any key.
    public static func open(_ sealed: Data, passphrase: String) throws(Failure) -> Data {
        let bytes = [UInt8](sealed)
        guard bytes.count >= headerCount + 16, isSealed(sealed) else { throw .truncated }
        guard bytes[8] == version else { throw .unknownVersion(bytes[8]) }
        let (logRounds, blockSize, parallelism) = (bytes[9], bytes[10], bytes[11])
        // §6: a file may ask for less work than ally's own (15, 8, 1), never more: a crafted header must not make
        // the reader spend more time or memory than sealing costs.
        guard (10...15).contains(logRounds), blockSize == 8, parallelism == 1 else {
            throw .unreasonableCost
        }
        let header = Data(bytes[0..<headerCount])
        let salt = Data(bytes[12..<28])
        let nonce = Data(bytes[28..<headerCount])
        let body = Data(bytes[headerCount..<(bytes.count - 16)])
        let tag = Data(bytes[(bytes.count - 16)...])
        do {
            let key = try derive(
                passphrase, salt: salt, logRounds: logRounds, blockSize: Int(blockSize), parallelism: Int(parallelism))
            let box = try ChaChaPoly.SealedBox(nonce: try ChaChaPoly.Nonce(data: nonce), ciphertext: body, tag: tag)
            return try ChaChaPoly.open(box, using: key, authenticating: header)
        } catch {
            throw .wrongPassphraseOrDamaged
        }
    }

    static func derive(_ passphrase: String, salt: Data, logRounds: UInt8, blockSize: Int, parallelism: Int) throws
        -> SymmetricKey
    {
        let derived = try KDF.Scrypt.deriveKey(
            from: try PreparedPassphrase.bytes(passphrase), salt: salt, outputByteCount: 32,
            rounds: 1 << Int(logRounds),
            blockSize: blockSize, parallelism: parallelism)
        return SymmetricKey(data: derived.withUnsafeBytes { Data($0) })
    }
}
