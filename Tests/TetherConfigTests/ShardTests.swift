import Testing

@testable import TetherConfig

@Suite("Shard: --shard i/n, jump consistent hash over FNV-1a")
struct ShardTests {
    static let names = (0..<1000).map { "target-\(String(repeating: "0", count: 4 - String($0).count))\($0)" }

    @Test("FNV-1a 64 matches the reference vectors")
    func fnvVectors() {
        #expect(Shard.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(Shard.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(Shard.fnv1a64("edge-1") == 0xf1d7_a8b4_352b_c316)
    }

    @Test(
        "a name's shard is the same in every process (hard-coded owners)",
        arguments: [
            ("api-gateway", 3, 2), ("mqtt-broker", 3, 1), ("target-0042", 3, 2), ("edge-1", 3, 0),
            ("api-gateway", 4, 2), ("mqtt-broker", 4, 3), ("target-0042", 4, 3), ("mqtt-broker", 10, 8),
            ("edge-2", 10, 8), ("redis-cache", 10, 7),
        ]
    )
    func stableOwners(name: String, count: Int, owner: Int) throws {
        #expect(Shard.shard(of: name, count: count) == owner)
        let shard = try #require(Shard(index: owner, count: count))
        #expect(shard.owns(targetName: name))
    }

    @Test("every name is owned by exactly one of 3 shards, each holding 1/3 ± 15 %")
    func evenAndExclusive() throws {
        let shards = try (0..<3).map { try #require(Shard(index: $0, count: 3)) }
        var sizes = [0, 0, 0]
        for name in Self.names {
            let owners = shards.filter { $0.owns(targetName: name) }
            #expect(owners.count == 1, "\(name) is owned by \(owners)")
            for owner in owners { sizes[owner.index] += 1 }
        }
        for size in sizes { #expect((283...383).contains(size), "shard sizes \(sizes)") }
    }

    @Test("from 3 to 4 shards about 1/4 of the names move, each to the new shard")
    func growingMovesAQuarter() {
        var moved = 0
        for name in Self.names {
            let before = Shard.shard(of: name, count: 3)
            let after = Shard.shard(of: name, count: 4)
            if before != after {
                moved += 1
                #expect(after == 3, "\(name) moved from \(before) to \(after), not to the new shard")
            }
        }
        #expect((150...350).contains(moved), "\(moved) of 1000 moved")
    }

    @Test("one shard owns everything")
    func single() throws {
        let shard = try Shard(parsing: "0/1")
        #expect(Self.names.allSatisfy { shard.owns(targetName: $0) })
        #expect(shard.description == "0/1")
    }

    @Test(
        "--shard values that are not i/n with 0 ≤ i < n are refused with a message",
        arguments: [
            ("3/3", "'3/3': shards are numbered from 0, so i must be 0 to 2"),
            ("-1/3", "'-1/3': shards are numbered from 0, so i must be 0 to 2"),
            ("0/0", "'0/0': the number of shards must be at least 1"),
            ("1", "'1' is not i/n (e.g. 0/3: the first of three shards)"),
            ("a/3", "'a/3' is not i/n (e.g. 0/3: the first of three shards)"),
            ("1/3/4", "'1/3/4' is not i/n (e.g. 0/3: the first of three shards)"),
        ]
    )
    func refused(text: String, message: String) {
        #expect(throws: ShardError.self) { try Shard(parsing: text) }
        do {
            _ = try Shard(parsing: text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("2/3 parses")
    func parses() throws {
        let shard = try Shard(parsing: "2/3")
        #expect(shard.index == 2 && shard.count == 3 && shard.description == "2/3")
    }
}
