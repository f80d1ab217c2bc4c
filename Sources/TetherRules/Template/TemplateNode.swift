/// The parse tree of a Go template (the node kinds of Go's `text/template/parse` that tether runs).
indirect enum TemplateNode: Sendable {
    case text(String)
    /// `{{ pipeline }}`: prints the pipeline's value unless it declares variables.
    case action(TemplatePipeline)
    case ifNode(TemplateBranch)
    case withNode(TemplateBranch)
    case rangeNode(TemplateBranch)
    case breakNode(position: Int)
    case continueNode(position: Int)
}

/// `if`, `with` and `range`: the pipeline, the body and the optional `else` body.
struct TemplateBranch: Sendable {
    var pipeline: TemplatePipeline
    var list: [TemplateNode]
    var elseList: [TemplateNode]?
}

/// `$x := a | b c`: optional declarations (or assignments), then commands joined by `|`.
struct TemplatePipeline: Sendable {
    var position: Int
    var isAssign: Bool
    var declarations: [String]
    var commands: [TemplateCommand]

    /// Go's `PipeNode.String()`.
    var goDescription: String {
        var text = ""
        if !declarations.isEmpty {
            text = declarations.joined(separator: ", ") + (isAssign ? " = " : " := ")
        }
        return text + commands.map(\.goDescription).joined(separator: " | ")
    }
}

/// One stage of a pipeline: a function or value, then arguments.
struct TemplateCommand: Sendable {
    var position: Int
    var arguments: [TemplateOperand]

    /// Go's `CommandNode.String()`.
    var goDescription: String {
        arguments.map { argument in
            if case .pipeline(_, let pipeline) = argument { return "(" + pipeline.goDescription + ")" }
            return argument.goDescription
        }.joined(separator: " ")
    }
}

/// A number literal, typed later as Go does (an `int` when it looks like one, else `float64`).
struct TemplateNumber: Sendable {
    var text: String
    var int: Int64?
    var float: Double?
    var isUnsignedOnly: Bool

    /// Go's `idealConstant`: `float64` for `1.0`, `1e3`; `int` for `1`, `0x1F`, `'a'`.
    var prefersFloat: Bool {
        let isHexInt =
            text.count > 2 && text.hasPrefix("0") && (text.dropFirst().first == "x" || text.dropFirst().first == "X")
            && !text.contains(where: { $0 == "p" || $0 == "P" })
        let isRune = text.hasPrefix("'")
        return float != nil && !isHexInt && !isRune && text.contains(where: { ".eEpP".contains($0) })
    }
}

indirect enum TemplateOperand: Sendable {
    /// `.A.B`: fields of dot.
    case field(position: Int, names: [String])
    /// `$x.A.B` (`$` alone is the data).
    case variable(position: Int, name: String, fields: [String])
    /// `(pipeline).A.B`.
    case chain(position: Int, base: TemplateOperand, fields: [String])
    case function(position: Int, name: String)
    case pipeline(position: Int, TemplatePipeline)
    case string(position: Int, quoted: String, value: String)
    case number(position: Int, TemplateNumber)
    case bool(position: Int, Bool)
    case nilValue(position: Int)
    case dot(position: Int)

    var position: Int {
        switch self {
        case .field(let position, _), .variable(let position, _, _), .chain(let position, _, _),
            .function(let position, _), .pipeline(let position, _), .string(let position, _, _),
            .number(let position, _), .bool(let position, _), .nilValue(let position), .dot(let position):
            position
        }
    }

    /// Go's `Node.String()`, used in "executing … at <…>" messages.
    var goDescription: String {
        switch self {
        case .field(_, let names): names.map { "." + $0 }.joined()
        case .variable(_, let name, let fields): name + fields.map { "." + $0 }.joined()
        case .chain(_, let base, let fields):
            {
                if case .pipeline = base { return "(" + base.goDescription + ")" }
                return base.goDescription
            }() + fields.map { "." + $0 }.joined()
        case .function(_, let name): name
        case .pipeline(_, let pipeline): pipeline.goDescription
        case .string(_, let quoted, _): quoted
        case .number(_, let number): number.text
        case .bool(_, let value): value ? "true" : "false"
        case .nilValue: "nil"
        case .dot: "."
        }
    }
}
