import Foundation

#if ALLY_FUZZ
    /// Built with `-sanitize=fuzzer -DALLY_FUZZ` (Tools/fuzz.sh): libFuzzer's entry point runs the target named by
    /// `ALLY_FUZZ_TARGET`.
    let selected: @Sendable (Data) -> Void = {
        let name = ProcessInfo.processInfo.environment["ALLY_FUZZ_TARGET"] ?? ""
        guard let target = Targets.all[name] else {
            fatalError("set ALLY_FUZZ_TARGET to one of: \(Targets.all.keys.sorted().joined(separator: ", "))")
        }
        return target
    }()

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
        selected(bytes.map { Data(bytes: $0, count: count) } ?? Data())
        return 0
    }

    /// libFuzzer's driver, from the fuzzer runtime `-sanitize=fuzzer` links.
    @_silgen_name("LLVMFuzzerRunDriver")
    func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// SwiftPM links an executable's `main` to `<module>_main`; here that starts libFuzzer's driver.
    @_cdecl("AllyFuzz_main")
    public func fuzzMain(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> CInt {
        var count = argc
        var arguments = argv
        return runDriver(&count, &arguments) { bytes, size in fuzzOne(bytes, size) }
    }
#else
    /// Built normally, the same targets replay inputs without libFuzzer: `AllyFuzz TARGET FILE-OR-FOLDER...` runs
    /// each file through the target (a crash found by Tools/fuzz.sh replays in an ordinary debug build), and
    /// `AllyFuzz seeds FOLDER` writes the generated part of the seed corpus (Tools/AllyFuzz/corpus).
    @main
    struct AllyFuzz {
        static func main() throws {
            let arguments = Array(CommandLine.arguments.dropFirst())
            guard let name = arguments.first else {
                print("usage: AllyFuzz TARGET FILE-OR-FOLDER... | AllyFuzz seeds FOLDER")
                print("targets: \(Targets.all.keys.sorted().joined(separator: " "))")
                exit(2)
            }
            if name == "seeds", arguments.count == 2 {
                try Seeds.write(to: arguments[1])
                return
            }
            guard let target = Targets.all[name] else {
                FileHandle.standardError.write(Data("AllyFuzz: no target named \(name)\n".utf8))
                exit(2)
            }
            var count = 0
            for path in arguments.dropFirst() {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                    FileHandle.standardError.write(Data("AllyFuzz: \(path) does not exist\n".utf8))
                    exit(2)
                }
                let files =
                    isFolder.boolValue
                    ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 }
                    : [path]
                for file in files {
                    target(try Data(contentsOf: URL(fileURLWithPath: file)))
                    count += 1
                }
            }
            print("AllyFuzz \(name): \(count) inputs, no failure")
        }
    }
#endif
