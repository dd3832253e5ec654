// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ally",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ally", targets: ["ally"]),
        .executable(name: "ally-server", targets: ["ally-server"]),
        .library(name: "AllyCore", targets: ["AllyCore"]),
        .library(name: "AllyStore", targets: ["AllyStore"]),
        .library(name: "AllyCLI", targets: ["AllyCLI"]),
        .library(name: "AllyTesting", targets: ["AllyTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        // The pure core: Foundation only (DESIGN.md §2).
        .target(name: "AllyCore"),
        .target(
            name: "AllyStore",
            dependencies: ["AllyCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Wire types, envelopes and keys (Protocol/SPEC.md §7–§10).
        .target(
            name: "AllyProtocol",
            dependencies: [
                "AllyCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // libcurl, loaded with dlopen only when a command talks to a server (Sources/CAllyCurl/include/ally_curl.h).
        .target(name: "CAllyCurl", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
        .target(name: "AllySync", dependencies: ["AllyCore", "AllyStore", "AllyProtocol", "CAllyCurl"]),
        .target(
            name: "AllyServerCore",
            dependencies: [
                "AllyProtocol", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "AllyServer",
            dependencies: [
                "AllyServerCore", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ally-server",
            dependencies: ["AllyServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "AllyCLI",
            dependencies: [
                "AllyCore", "AllyStore", "AllySync", "AllyProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ally", dependencies: ["AllyCLI"]),
        .target(name: "AllyTesting", dependencies: ["AllyCore", "AllyStore", "AllyCLI", "AllyServer", "AllySync"]),
        .executableTarget(
            name: "AllyBench",
            dependencies: ["AllyCore", "AllyStore", "AllyTesting"],
            path: "Tools/AllyBench"
        ),
        // The fuzz targets (Tools/fuzz.sh builds them with -sanitize=fuzzer; built normally they replay inputs).
        .executableTarget(
            name: "AllyFuzz",
            dependencies: [
                "AllyCore", "AllyStore", "AllyProtocol", "AllyCLI", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tools/AllyFuzz",
            exclude: ["corpus"]
        ),
        // AllyCore builds and tests with no other package (DESIGN.md §2), so its tests use only AllyCore.
        .testTarget(name: "AllyCoreTests", dependencies: ["AllyCore"]),
        .testTarget(
            name: "AllyStoreTests",
            dependencies: ["AllyStore", "AllyTesting", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "AllyCLITests", dependencies: ["AllyCLI", "AllyTesting"]),
        .testTarget(name: "AllyProtocolTests", dependencies: ["AllyProtocol"]),
        .testTarget(
            name: "AllyServerTests",
            dependencies: [
                "AllyServer", "AllyServerCore", "AllyTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "AllySyncTests",
            dependencies: ["AllySync", "AllyCLI", "AllyTesting", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
