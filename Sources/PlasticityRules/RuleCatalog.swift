import Foundation

/// The listing shown by `plasticity rules`: the registered implementations, then the rule files.
public enum RuleCatalog {
    public static func text(_ library: RuleLibrary) -> String {
        var lines = ["Implementations (use an id, or a configuration below, with --rule):"]
        for type in library.registry.types {
            lines.append("\(type.id) (\(type.locality.rawValue)): \(type.summary)")
            lines.append("  paper:  \(type.citation)")
            lines.append("  models: \(type.supportedModels.map(\.rawValue).joined(separator: ", "))")
            lines.append("  cost:   \(type.cost)")
            for s in type.settingSpecs {
                lines.append("  \(s.name) = \(s.text(s.defaultValue)) (\(s.rangeDescription)): \(s.doc)")
            }
        }
        lines.append("")
        lines.append("Modifiers (in a rule file: modifiers = [{ kind = \"tcr\", lambda = 0.3 }, ...]; train --tcr-lambda):")
        for kind in ModifierConfig.kinds {
            lines.append("\(kind.id): \(kind.summary)")
            lines.append("  cost:   \(kind.cost)")
            for s in kind.settings {
                lines.append("  \(s.name) = \(s.text(s.defaultValue)) (\(s.rangeDescription)): \(s.doc)")
            }
        }
        lines.append("")
        let own = library.directories.isEmpty
            ? "none (add --rules-dir DIR or set $\(RuleLibrary.environmentVariable))" : library.directories.joined(separator: ", ")
        lines.append("Rule configurations (shipped with plasticity; your own directories: \(own)):")
        for c in library.configurations {
            let locality = (try? library.registry.type(c.implementation).locality.rawValue) ?? "?"
            lines.append("\(c.name) (\(locality), \(c.implementation)): \(c.description)")
            var details: [String] = []
            if let type = try? library.registry.type(c.implementation) {
                for s in type.settingSpecs where c.hyperparameters[s.name] != nil {
                    details.append("\(s.name) = \(s.text(c.hyperparameters[s.name]!))")
                }
            }
            if !c.modifiers.isEmpty { details.append("modifiers: \(c.modifiers.map(\.kind).joined(separator: ", "))") }
            if !c.optimizer.isEmpty { details.append("optimizer: \(c.optimizer.text)") }
            if !details.isEmpty { lines.append("  " + details.joined(separator: "; ")) }
            let source = RuleLibrary.source(of: c)
            lines.append("  from:  \(source)" + (library.overridden.contains(c.name) ? " (instead of the shipped \(c.name))" : ""))
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ library: RuleLibrary) throws -> String {
        let implementations: [[String: Any]] = library.registry.types.map { type in
            [
                "id": type.id, "locality": type.locality.rawValue, "summary": type.summary, "citation": type.citation,
                "models": type.supportedModels.map(\.rawValue), "cost": type.cost,
                "hyperparameters": type.settingSpecs.map { s in
                    var entry: [String: Any] = ["name": s.name, "doc": s.doc]
                    if s.isChoice {
                        entry["choices"] = s.choices
                        entry["default"] = s.text(s.defaultValue)
                    } else {
                        entry["default"] = s.defaultValue
                        entry["min"] = s.range.lowerBound
                        entry["max"] = s.range.upperBound
                        entry["integer"] = s.isInteger
                    }
                    return entry
                },
            ]
        }
        let configurations: [[String: Any]] = library.configurations.map { c in
            let type = try? library.registry.type(c.implementation)
            var hyper: [String: Any] = [:]
            for (name, value) in c.hyperparameters {
                let spec = type?.settingSpecs.first { $0.name == name }
                hyper[name] = spec?.isChoice == true ? spec!.text(value) : value as Any
            }
            var optimizer: [String: Any] = [:]
            if let k = c.optimizer.kind { optimizer["kind"] = k.rawValue }
            if let v = c.optimizer.learningRate { optimizer["learning_rate"] = v }
            if let v = c.optimizer.momentum { optimizer["momentum"] = v }
            if let v = c.optimizer.nesterov { optimizer["nesterov"] = v }
            if let v = c.optimizer.clipNorm { optimizer["clip"] = v }
            return [
                "name": c.name, "implementation": c.implementation, "locality": type?.locality.rawValue ?? "",
                "description": c.description, "citation": c.citation, "file": c.file ?? "", "source": RuleLibrary.source(of: c),
                "hyperparameters": hyper, "optimizer": optimizer, "modifiers": c.modifiers.map(\.kind),
            ]
        }
        let object: [String: Any] = ["implementations": implementations, "configurations": configurations]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
