import Foundation
import GRDB

extension ResultsStore {
    /// Every setting each run ran with, after precedence (`ResolvedConfiguration`, one JSON object
    /// per run in `runs.settings_json`); runs stored before it get it from their stored cell.
    static func registerSettingsMigration(_ m: inout DatabaseMigrator) {
        m.registerMigration("v8-outputs-settings") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN settings_json TEXT")
            for row in try Row.fetchAll(db, sql: "SELECT id, config_json FROM runs") {
                let json: String = row["config_json"]
                let cell = try? JSONDecoder().decode(ExperimentCell.self, from: Data(json.utf8))
                try db.execute(sql: "UPDATE runs SET settings_json = ? WHERE id = ?", arguments: [cell?.settings?.json, row["id"] as Int64])
            }
        }
    }
}
