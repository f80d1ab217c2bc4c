/// One agent's part of a fleet (`tether run --shard i/n`): the targets whose name hashes to shard
/// `index` of `count`.
///
/// Indices are 0-based, `0 ≤ index < count`, as Prometheus' `hashmod` and a Kubernetes
/// StatefulSet's pod ordinals are. A name's shard is jump consistent hash (Lamping & Veach, 2014)
/// over the 64-bit FNV-1a hash of its UTF-8 bytes, so it is the same in every process and on every
/// machine (unlike Swift's `Hasher`, which is seeded per process), and growing the fleet from `n`
/// to `n + 1` agents moves only about `1 / (n + 1)` of the targets, each to the new agent.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// This agent's shard, `0 ..< count`.
    public let index: Int
    /// How many shards the fleet has (≥ 1).
    public let count: Int

    /// A shard; `nil` unless `count ≥ 1` and `0 ≤ index < count`.
    /// - Parameters:
    ///   - index: the 0-based shard of this agent.
    ///   - count: the number of shards.
    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `i/n` (`--shard`), throwing a message a user can act on.
    /// - Parameter text: the option's value, e.g. `0/3`.
    public init(parsing text: String) throws(ShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ShardError("'\(text)' is not i/n (e.g. 0/3: the first of three shards)")
        }
        guard count >= 1 else {
            throw ShardError("'\(text)': the number of shards must be at least 1")
        }
        guard let shard = Shard(index: index, count: count) else {
            throw ShardError("'\(text)': shards are numbered from 0, so i must be 0 to \(count - 1)")
        }
        self = shard
    }

    /// `i/n`, as given to `--shard` and shown in the `shard` label of `tether_build_info`.
    public var description: String { "\(self.index)/\(self.count)" }

    /// True when the target named `targetName` belongs to this shard.
    /// - Parameter targetName: the target's `name` from the configuration.
    public func owns(targetName: String) -> Bool {
        Self.shard(of: targetName, count: self.count) == self.index
    }

    /// The shard, `0 ..< count`, that `name` belongs to among `count` shards.
    /// - Parameters:
    ///   - name: a target name.
    ///   - count: the number of shards (≥ 1).
    public static func shard(of name: String, count: Int) -> Int {
        Self.jumpConsistentHash(key: Self.fnv1a64(name), buckets: count)
    }

    /// FNV-1a, 64 bits, over the UTF-8 bytes of `text`.
    static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm" (arXiv:1406.2294).
    static func jumpConsistentHash(key: UInt64, buckets: Int) -> Int {
        // FNV-1a's high bits change little between similar short names, and jump hash's first
        // step reads only them: a splitmix64 finaliser spreads every input bit first.
        var key = key
        key = (key ^ (key >> 30)) &* 0xbf58_476d_1ce4_e5b9
        key = (key ^ (key >> 27)) &* 0x94d0_49bb_1331_11eb
        key ^= key >> 31
        var bucket: Int64 = -1
        var next: Int64 = 0
        while next < Int64(buckets) {
            bucket = next
            key = key &* 2_862_933_555_777_941_757 &+ 1
            next = Int64(Double(bucket + 1) * (Double(UInt64(1) << 31) / Double((key >> 33) + 1)))
        }
        return Int(bucket)
    }
}

/// A `--shard` value that is not `i/n` with `0 ≤ i < n`.
public struct ShardError: Error, CustomStringConvertible {
    /// What is wrong, quoting the value.
    public let description: String

    init(_ description: String) { self.description = description }
}
