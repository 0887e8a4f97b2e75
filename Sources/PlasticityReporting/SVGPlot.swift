import Foundation

/// A small self-contained SVG chart: lines with optional bands (e.g. median and 95% CI across
/// seeds) and scatter markers (filled, or open for censored values). No external assets, so a
/// report is one HTML file that opens anywhere.
public struct SVGPlot {
    public struct Series {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)] = []
        public var band: [(x: Double, low: Double, high: Double)] = []
        /// Scatter markers; `open` draws a hollow marker (censored).
        public var markers: [(x: Double, y: Double, open: Bool)] = []
        /// Line width and opacity (thin light lines for many trajectories behind the markers).
        public var lineWidth = 2.0
        public var opacity = 1.0
        /// Marker radius.
        public var markerRadius = 4.0
        /// false: left out of the legend (e.g. one of many trajectories).
        public var inLegend = true
        public init(name: String, color: String) {
            self.name = name
            self.color = color
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    public var logY = false
    /// Category names for a categorical x axis (x = 0, 1, ...).
    public var categories: [String]? = nil
    /// Fixed y range (e.g. 0...1 for accuracy); nil: from the data.
    public var yRange: ClosedRange<Double>? = nil
    /// A dashed horizontal reference line (e.g. the budget).
    public var reference: (y: Double, label: String)? = nil
    /// Dashed vertical lines at these x (e.g. GR events), in the given colours.
    public var verticals: [(x: Double, color: String)] = []
    public var width = 520.0
    public var height = 320.0

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func number(_ x: Double) -> String { String(format: "%.1f", x) }

    /// Tick label: compact, e.g. 12k for 12000.
    static func tick(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 10_000 { return formatNumber((v / 1000).rounded()) + "k" }
        if abs(v) >= 1 { return formatNumber((v * 100).rounded() / 100) }
        return String(format: "%.3g", v)
    }

    /// About `count` round tick values covering low...high.
    static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        guard high > low else { return [low] }
        let raw = (high - low) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var values: [Double] = []
        var v = ceil(low / step) * step
        while v <= high + step * 1e-9 {
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return values
    }

    public func render() -> String {
        let left = 64.0, right = 12.0, top = 40.0, bottom = 46.0
        let plotW = width - left - right, plotH = height - top - bottom
        func ty(_ y: Double) -> Double? { logY ? (y > 0 ? log10(y) : nil) : y }
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            xs += s.points.map(\.x) + s.band.map(\.x) + s.markers.map(\.x)
            ys += (s.points.map(\.y) + s.band.flatMap { [$0.low, $0.high] } + s.markers.map(\.y)).compactMap(ty)
        }
        if let reference, let y = ty(reference.y) { ys.append(y) }
        xs = xs.filter(\.isFinite)
        ys = ys.filter(\.isFinite)
        var xLow = xs.min() ?? 0, xHigh = xs.max() ?? 1
        if let categories { xLow = -0.5; xHigh = Double(categories.count) - 0.5 }
        if xHigh <= xLow { xHigh = xLow + 1 }
        var yLow = ys.min() ?? 0, yHigh = ys.max() ?? 1
        if let yRange { yLow = ty(yRange.lowerBound) ?? yLow; yHigh = ty(yRange.upperBound) ?? yHigh }
        if yHigh <= yLow { yLow -= 0.5; yHigh += 0.5 }
        let pad = (yHigh - yLow) * 0.05
        if yRange == nil { yLow -= pad; yHigh += pad }
        func px(_ x: Double) -> Double { left + (x - xLow) / (xHigh - xLow) * plotW }
        func py(_ y: Double) -> Double? { ty(y).map { top + (1 - ($0 - yLow) / (yHigh - yLow)) * plotH } }

        var svg = [String]()
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">")
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
        svg.append("<text x=\"\(Int(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(SVGPlot.escape(title))</text>")
        // Grid and y ticks (on a log axis: 1, 2, 5 × powers of ten when they give at least two).
        var yTicks = SVGPlot.ticks(yLow, yHigh)
        if logY {
            let decades = Int(floor(yLow))...Int(ceil(yHigh))
            let nice = decades.flatMap { k in [1.0, 2, 5].map { log10($0) + Double(k) } }.filter { $0 >= yLow && $0 <= yHigh }
            if nice.count >= 2 { yTicks = nice.count > 8 ? nice.filter { abs($0 - $0.rounded()) < 1e-9 } : nice }
        }
        for v in yTicks {
            let y = top + (1 - (v - yLow) / (yHigh - yLow)) * plotH
            let label = logY ? SVGPlot.tick(pow(10, v)) : SVGPlot.tick(v)
            svg.append("<line x1=\"\(SVGPlot.number(left))\" x2=\"\(SVGPlot.number(left + plotW))\" y1=\"\(SVGPlot.number(y))\" y2=\"\(SVGPlot.number(y))\" stroke=\"#e5e5e5\"/>")
            svg.append("<text x=\"\(SVGPlot.number(left - 5))\" y=\"\(SVGPlot.number(y + 4))\" text-anchor=\"end\">\(label)</text>")
        }
        if let categories {
            for (i, name) in categories.enumerated() {
                svg.append("<text x=\"\(SVGPlot.number(px(Double(i))))\" y=\"\(SVGPlot.number(top + plotH + 16))\" text-anchor=\"middle\">\(SVGPlot.escape(name))</text>")
            }
        } else {
            for v in SVGPlot.ticks(xLow, xHigh) {
                svg.append("<text x=\"\(SVGPlot.number(px(v)))\" y=\"\(SVGPlot.number(top + plotH + 16))\" text-anchor=\"middle\">\(SVGPlot.tick(v))</text>")
            }
        }
        svg.append("<rect x=\"\(SVGPlot.number(left))\" y=\"\(SVGPlot.number(top))\" width=\"\(SVGPlot.number(plotW))\" height=\"\(SVGPlot.number(plotH))\" fill=\"none\" stroke=\"#999\"/>")
        svg.append("<text x=\"\(SVGPlot.number(left + plotW / 2))\" y=\"\(SVGPlot.number(height - 8))\" text-anchor=\"middle\">\(SVGPlot.escape(xLabel))</text>")
        svg.append("<text transform=\"translate(14 \(SVGPlot.number(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(SVGPlot.escape(yLabel + (logY ? " (log)" : "")))</text>")
        if let reference, let y = py(reference.y) {
            svg.append("<line x1=\"\(SVGPlot.number(left))\" x2=\"\(SVGPlot.number(left + plotW))\" y1=\"\(SVGPlot.number(y))\" y2=\"\(SVGPlot.number(y))\" stroke=\"#666\" stroke-dasharray=\"4 3\"/>")
            svg.append("<text x=\"\(SVGPlot.number(left + plotW - 4))\" y=\"\(SVGPlot.number(y - 4))\" text-anchor=\"end\" fill=\"#666\">\(SVGPlot.escape(reference.label))</text>")
        }
        for v in verticals where v.x.isFinite && v.x >= xLow && v.x <= xHigh {
            let x = SVGPlot.number(px(v.x))
            svg.append("<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(SVGPlot.number(top))\" y2=\"\(SVGPlot.number(top + plotH))\" stroke=\"\(v.color)\" stroke-dasharray=\"3 2\" stroke-opacity=\"0.8\"/>")
        }
        for s in series {
            let band = s.band.compactMap { b -> (Double, Double, Double)? in
                guard let lo = py(b.low), let hi = py(b.high), b.x.isFinite else { return nil }
                return (px(b.x), lo, hi)
            }
            if band.count > 1 {
                let upper = band.map { "\(SVGPlot.number($0.0)),\(SVGPlot.number($0.2))" }
                let lower = band.reversed().map { "\(SVGPlot.number($0.0)),\(SVGPlot.number($0.1))" }
                svg.append("<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(s.color)\" fill-opacity=\"0.18\" stroke=\"none\"/>")
            }
            let line = s.points.compactMap { p -> String? in
                guard p.x.isFinite, let y = py(p.y), y.isFinite else { return nil }
                return "\(SVGPlot.number(px(p.x))),\(SVGPlot.number(y))"
            }
            if line.count > 1 {
                let opacity = s.opacity < 1 ? " stroke-opacity=\"\(s.opacity)\"" : ""
                svg.append("<polyline points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"\(SVGPlot.number(s.lineWidth))\"\(opacity)/>")
            }
            for m in s.markers {
                guard let y = py(m.y), m.x.isFinite else { continue }
                svg.append("<circle cx=\"\(SVGPlot.number(px(m.x)))\" cy=\"\(SVGPlot.number(y))\" r=\"\(SVGPlot.number(s.markerRadius))\" fill=\"\(m.open ? "white" : s.color)\" stroke=\"\(s.color)\" stroke-width=\"1.5\"/>")
            }
        }
        // Legend in a row under the title, outside the data (not needed when the x axis names each series).
        if categories == nil {
            var x = left
            for s in series where s.inLegend {
                svg.append("<rect x=\"\(SVGPlot.number(x))\" y=\"25\" width=\"12\" height=\"4\" fill=\"\(s.color)\"/>")
                svg.append("<text x=\"\(SVGPlot.number(x + 16))\" y=\"31\">\(SVGPlot.escape(s.name))</text>")
                x += 28 + 6.2 * Double(s.name.count)
            }
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }
}
