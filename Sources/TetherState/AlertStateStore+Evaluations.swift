import GRDB

extension AlertStateStore {
    /// Records that `group` was evaluated at `time` (Unix seconds): one small row per group, so
    /// that after a restart the time the agent was down is known.
    public func recordEvaluation(ofGroup group: String, at time: Double) throws(StateDatabaseError) {
        do {
            try self.database.pool.write { db in
                try db.cachedStatement(
                    sql: "INSERT OR REPLACE INTO rule_group_evaluation (group_key, evaluated_at) VALUES (?, ?)"
                ).execute(arguments: [group, time])
            }
        } catch {
            throw StateDatabaseError(error, path: self.database.path, while: "write rule group evaluations to")
        }
    }

    /// When each group was last evaluated, in Unix seconds, by group key.
    public func lastEvaluations() throws(StateDatabaseError) -> [String: Double] {
        do {
            return try self.database.pool.read { db in
                var times: [String: Double] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT group_key, evaluated_at FROM rule_group_evaluation") {
                    times[try row.decode(String.self, atIndex: 0)] = try row.decode(Double.self, atIndex: 1)
                }
                return times
            }
        } catch {
            throw StateDatabaseError(error, path: self.database.path, while: "read rule group evaluations from")
        }
    }

    /// Forgets the evaluation times of groups no longer configured.
    public func removeEvaluations(notIn keep: Set<String>) throws(StateDatabaseError) {
        do {
            try self.database.pool.write { db in
                let stored = try String.fetchAll(db, sql: "SELECT group_key FROM rule_group_evaluation")
                for group in stored where !keep.contains(group) {
                    try db.execute(sql: "DELETE FROM rule_group_evaluation WHERE group_key = ?", arguments: [group])
                }
            }
        } catch {
            throw StateDatabaseError(error, path: self.database.path, while: "write rule group evaluations to")
        }
    }
}
