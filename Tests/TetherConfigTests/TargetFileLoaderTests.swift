import Foundation
import NIOCore
import Testing
import TetherConfig
import TetherHeartbeat

/// `target_files:` — files in Prometheus' file_sd shape, read by the agent while it runs.
@Suite struct TargetFileLoaderTests {
    let global = GlobalConfiguration()

    func load(_ text: String, file: String = "targets.yml") throws(ConfigurationError) -> [TargetConfiguration] {
        try TargetFileLoader.load(text: text, file: file, global: global, environment: ["ZONE": "b"])
    }

    @Test func yamlEntriesBecomeTargetsNamedByTheirURL() throws {
        let targets = try load(
            """
            - targets: ["ws://10.0.0.1:8080/ws", "tcp://10.0.0.2:7000"]
              labels: {team: chat, zone: "${ZONE}"}
              interval: 2s
            - targets: ["redis://10.0.0.3:6379"]
            """
        )
        #expect(targets.map(\.name) == ["ws://10.0.0.1:8080/ws", "tcp://10.0.0.2:7000", "redis://10.0.0.3:6379"])
        #expect(targets[0].labels == ["team": "chat", "zone": "b"])
        #expect(targets[1].schedule.interval == .seconds(2))
        #expect(targets[2].schedule.interval == global.interval)
        #expect(targets[2].labels.isEmpty)
    }

    @Test func jsonIsReadAsWell() throws {
        let targets = try load(
            #"[{"targets": ["tcp://127.0.0.1:7000"], "labels": {"env": "prod"}}]"#,
            file: "targets.json"
        )
        #expect(targets.map(\.name) == ["tcp://127.0.0.1:7000"])
        #expect(targets[0].labels["env"] == "prod")
    }

    @Test func anEmptyFileHasNoTargets() throws {
        #expect(try load("").isEmpty)
        #expect(try load("[]").isEmpty)
    }

    @Test func problemsAreReportedAtFileLineColumn() {
        #expect {
            try load(
                """
                - targets: ["tcp://10.0.0.1:7000", "tcp://10.0.0.1:7000"]
                - targets: ["gopher://10.0.0.2"]
                - labels: {a: b}
                - targets: ["tcp://10.0.0.4:7000"]
                  name: nope
                """
            )
        } throws: { error in
            let text = "\(error)"
            return text.contains("targets.yml:1:")
                && text.contains("duplicate target 'tcp://10.0.0.1:7000'")
                && text.contains("targets.yml:2:") && text.contains("gopher")
                && text.contains("targets.yml:3:") && text.contains("missing required key 'targets'")
                && text.contains("targets.yml:5:") && text.contains("name")
        }
    }

    @Test func aFileThatIsNotAListIsRejected() {
        #expect(throws: ConfigurationError.self) { try load("targets: [\"tcp://10.0.0.1:7000\"]") }
    }

    @Test func configurationResolvesPatternsAndChecksThem() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: "target_files: [\"sd/*.yml\", \"/etc/tether/more.json\"]",
            file: "tether.yml",
            environment: [:],
            baseDirectory: "/srv/tether"
        )
        #expect(configuration.targetFiles == ["/srv/tether/sd/*.yml", "/etc/tether/more.json"])
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                yaml: "target_files: [\"sd/*/targets.yml\"]",
                file: "tether.yml",
                environment: [:],
                baseDirectory: "/srv/tether"
            )
        }
    }

    @Test func filesAreListedSortedAndOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tether-sd-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["b.yml", "a.yml", "c.json"] {
            try "[]".write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let files = TargetFileLoader.files(matching: ["\(directory.path)/*.yml", "\(directory.path)/a.yml"])
        #expect(files == ["\(directory.path)/a.yml", "\(directory.path)/b.yml"])
        #expect(TargetFileLoader.files(matching: ["\(directory.path)/missing.yml"]).isEmpty)
    }
}
