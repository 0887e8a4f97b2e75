import Foundation

/// The task list shown by `plasticity tasks`.
public enum TaskCatalog {
    public static func text(_ registry: TaskRegistry = .standard) -> String {
        var lines: [String] = []
        for type in registry.types {
            let m = type.metadata
            lines.append("\(type.id): \(m.summary)")
            lines.append("  inputs:  \(m.inputs)")
            lines.append("  outputs: \(m.outputs)")
            lines.append("  timing:  \(m.timing)")
            lines.append("  paper:   \(m.paper)")
            if let activation = m.recommended.activation {
                lines.append("  recommended: activation \(activation.rawValue) (\(m.recommended.reason))")
            }
            for s in type.parameterSpecs {
                lines.append("  \(s.name) = \(formatNumber(s.defaultValue)) (\(s.rangeDescription)): \(s.doc)")
            }
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ registry: TaskRegistry = .standard) throws -> String {
        let list: [[String: Any]] = registry.types.map { type in
            let m = type.metadata
            return [
                "id": type.id, "summary": m.summary, "inputs": m.inputs, "outputs": m.outputs,
                "timing": m.timing, "paper": m.paper, "recommended_activation": m.recommended.activation?.rawValue ?? "",
                "parameters": type.parameterSpecs.map { s in
                    ["name": s.name, "default": s.defaultValue, "min": s.range.lowerBound, "max": s.range.upperBound,
                     "integer": s.isInteger, "doc": s.doc] as [String: Any]
                },
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
