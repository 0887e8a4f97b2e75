import Foundation

/// Several plots in one self-contained SVG: a title, a colour key shared by the panels, then the
/// panels (each a nested `<svg>`) in rows of `columns`. Used where one plot per group keeps each
/// readable (the curricula: one panel per model and rule, a colour per curriculum).
public struct SVGGrid {
    public var title: String
    public var key: [(name: String, color: String)] = []
    public var panels: [SVGPlot]
    public var columns: Int

    public init(title: String, panels: [SVGPlot], columns: Int) {
        self.title = title
        self.panels = panels
        self.columns = max(columns, 1)
    }

    public func render() -> String {
        let header = key.isEmpty ? 30.0 : 50.0
        let cellW = panels.map(\.width).max() ?? 0, cellH = panels.map(\.height).max() ?? 0
        let cols = min(columns, max(panels.count, 1)), rows = (panels.count + cols - 1) / cols
        let width = cellW * Double(cols), height = header + cellH * Double(rows)
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(Int(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(SVGPlot.escape(title))</text>",
        ]
        var x = 64.0
        for entry in key {
            svg.append("<rect x=\"\(SVGPlot.number(x))\" y=\"32\" width=\"12\" height=\"4\" fill=\"\(entry.color)\"/>")
            svg.append("<text x=\"\(SVGPlot.number(x + 16))\" y=\"38\">\(SVGPlot.escape(entry.name))</text>")
            x += 28 + 6.2 * Double(entry.name.count)
        }
        for (i, panel) in panels.enumerated() {
            let px = cellW * Double(i % cols), py = header + cellH * Double(i / cols)
            var body = panel.render()
            if let root = body.range(of: "<svg ") {
                body.replaceSubrange(root, with: "<svg x=\"\(SVGPlot.number(px))\" y=\"\(SVGPlot.number(py))\" ")
            }
            svg.append(body)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }
}
