/// Executes a parsed template as Go's `text/template` does (Go 1.19, `missingkey=zero`): variable
/// scopes, pipelines with the previous value as last argument, Go's argument typing (`1` is an
/// `int`, `1.0` a `float64`), and Go's execution errors with the node they happened at.
struct TemplateEvaluator {
    private let data: AlertTemplateData
    private let text: String
    private var variables: [(name: String, value: TemplateValue)]
    private(set) var output = ""
    /// The node Go's `state.at` last recorded: where an execution error is reported.
    private var current: (position: Int, description: String) = (0, "")

    private enum Flow {
        case normal, breakLoop, continueLoop
    }

    init(data: AlertTemplateData, text: String, predeclared: [(String, TemplateValue)]) {
        self.data = data
        self.text = text
        self.variables = [("$", .data(data))] + predeclared
    }

    mutating func run(_ nodes: [TemplateNode]) throws(AlertTemplateError) {
        _ = try walk(nodes, dot: .data(data))
    }

    // MARK: - Errors

    private mutating func at(_ position: Int, _ description: String) {
        current = (position, description)
    }

    private mutating func at(_ operand: TemplateOperand) {
        at(operand.position, operand.goDescription)
    }

    private func failure(_ message: String) -> AlertTemplateError {
        AlertTemplateError(text: text, byteOffset: current.position, message: message, context: current.description)
    }

    // MARK: - Walking

    private mutating func walk(_ nodes: [TemplateNode], dot: TemplateValue) throws(AlertTemplateError) -> Flow {
        for node in nodes {
            let flow = try walk(node, dot: dot)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private mutating func walk(_ node: TemplateNode, dot: TemplateValue) throws(AlertTemplateError) -> Flow {
        switch node {
        case .text(let text):
            output += text
        case .action(let pipeline):
            let value = try evalPipeline(pipeline, dot: dot)
            if pipeline.declarations.isEmpty { output += value.printed }
        case .ifNode(let branch), .withNode(let branch):
            let mark = variables.count
            defer { variables.removeSubrange(mark...) }
            let value = try evalPipeline(branch.pipeline, dot: dot)
            if value.isTrue {
                var isWith = false
                if case .withNode = node { isWith = true }
                return try walk(branch.list, dot: isWith ? value : dot)
            } else if let elseList = branch.elseList {
                return try walk(elseList, dot: dot)
            }
        case .rangeNode(let branch):
            return try walkRange(branch, dot: dot)
        case .breakNode:
            return .breakLoop
        case .continueNode:
            return .continueLoop
        }
        return .normal
    }

    private mutating func walkRange(_ branch: TemplateBranch, dot: TemplateValue) throws(AlertTemplateError) -> Flow {
        let outerMark = variables.count
        defer { variables.removeSubrange(outerMark...) }
        let value = try evalPipeline(branch.pipeline, dot: dot)
        let mark = variables.count
        let declarations = branch.pipeline.declarations
        switch value {
        case .map(let map) where !map.isEmpty:
            for key in map.goSortedKeys {
                let element = TemplateValue.string(map[key] ?? "")
                if !declarations.isEmpty {
                    if branch.pipeline.isAssign {
                        try setVariable(declarations[0], declarations.count > 1 ? .string(key) : element)
                    } else {
                        variables[mark - 1].value = element
                    }
                }
                if declarations.count > 1 {
                    if branch.pipeline.isAssign {
                        try setVariable(declarations[1], element)
                    } else {
                        variables[mark - 2].value = .string(key)
                    }
                }
                let flow = try walk(branch.list, dot: element)
                variables.removeSubrange(mark...)
                if flow == .breakLoop { break }
            }
            return .normal
        case .map, .missing:
            break
        default:
            throw failure("range can't iterate over \(GoFormat.sprint([value]))")
        }
        if let elseList = branch.elseList { return try walk(elseList, dot: dot) }
        return .normal
    }

    private mutating func setVariable(_ name: String, _ value: TemplateValue) throws(AlertTemplateError) {
        guard let index = variables.lastIndex(where: { $0.name == name }) else {
            throw failure("undefined variable: \(name)")
        }
        variables[index].value = value
    }

    private func variable(_ name: String) throws(AlertTemplateError) -> TemplateValue {
        guard let found = variables.last(where: { $0.name == name }) else {
            throw failure("undefined variable: \(name)")
        }
        return found.value
    }

    // MARK: - Pipelines and commands

    private mutating func evalPipeline(
        _ pipeline: TemplatePipeline,
        dot: TemplateValue
    ) throws(AlertTemplateError)
        -> TemplateValue
    {
        at(pipeline.position, pipeline.goDescription)
        var value: TemplateValue?
        for command in pipeline.commands {
            value = try evalCommand(command, dot: dot, final: value)
        }
        let result = value ?? .missing
        for name in pipeline.declarations {
            if pipeline.isAssign {
                try setVariable(name, result)
            } else {
                variables.append((name, result))
            }
        }
        return result
    }

    private mutating func evalCommand(
        _ command: TemplateCommand,
        dot: TemplateValue,
        final: TemplateValue?
    )
        throws(AlertTemplateError) -> TemplateValue
    {
        let first = command.arguments[0]
        switch first {
        case .field(_, let names):
            at(first)
            return try evalFieldChain(dot, receiver: dot, names: names, arguments: command.arguments, final: final)
        case .chain(_, let base, let fields):
            at(first)
            let receiver = try evalArgument(base, type: .any, dot: dot)
            return try evalFieldChain(
                dot,
                receiver: receiver,
                names: fields,
                arguments: command.arguments,
                final: final
            )
        case .function(let position, let name):
            return try evalFunction(
                name,
                position: position,
                command: command,
                arguments: Array(command.arguments.dropFirst()),
                dot: dot,
                final: final
            )
        case .pipeline(_, let pipeline):
            try notAFunction(command.arguments, final: final)
            return try evalPipeline(pipeline, dot: dot)
        case .variable(_, let name, let fields):
            at(first)
            let value = try variable(name)
            if fields.isEmpty {
                try notAFunction(command.arguments, final: final)
                return value
            }
            return try evalFieldChain(dot, receiver: value, names: fields, arguments: command.arguments, final: final)
        default:
            break
        }
        at(first)
        try notAFunction(command.arguments, final: final)
        switch first {
        case .bool(_, let value): return .bool(value)
        case .dot: return dot
        case .nilValue: throw failure("nil is not a command")
        case .number(_, let number): return try idealConstant(number)
        case .string(_, _, let value): return .string(value)
        default: throw failure("can't evaluate command \(GoFormat.quote(first.goDescription))")
        }
    }

    private func notAFunction(_ arguments: [TemplateOperand], final: TemplateValue?) throws(AlertTemplateError) {
        if arguments.count > 1 || final != nil {
            throw failure("can't give argument to non-function \(arguments[0].goDescription)")
        }
    }

    private func idealConstant(_ number: TemplateNumber) throws(AlertTemplateError) -> TemplateValue {
        if number.prefersFloat, let float = number.float { return .float(float) }
        if let int = number.int { return .int(Int(int)) }
        throw failure("\(number.text) overflows int")
    }

    private func evalFieldChain(
        _ dot: TemplateValue,
        receiver: TemplateValue,
        names: [String],
        arguments: [TemplateOperand],
        final: TemplateValue?
    ) throws(AlertTemplateError) -> TemplateValue {
        var receiver = receiver
        for (index, name) in names.enumerated() {
            let hasArguments = index == names.count - 1 && (arguments.count > 1 || final != nil)
            receiver = try evalField(name, receiver: receiver, hasArguments: hasArguments)
        }
        return receiver
    }

    private func evalField(
        _ name: String,
        receiver: TemplateValue,
        hasArguments: Bool
    ) throws(AlertTemplateError)
        -> TemplateValue
    {
        switch receiver {
        case .missing:
            return .missing
        case .map(let map):
            if hasArguments { throw failure("\(name) is not a method but has arguments") }
            return .string(map[name] ?? "")
        case .data(let data):
            let value: TemplateValue
            switch name {
            case "Labels": value = .map(data.labels)
            case "ExternalLabels": value = .map(data.externalLabels)
            case "ExternalURL": value = .string(data.externalURL)
            case "Value": value = .float(data.value)
            default: throw failure("can't evaluate field \(name) in type \(receiver.typeName)")
            }
            if hasArguments { throw failure("\(name) has arguments but cannot be invoked as function") }
            return value
        default:
            throw failure("can't evaluate field \(name) in type \(receiver.typeName)")
        }
    }

    // MARK: - Arguments

    /// The Go parameter types of the functions tether runs.
    enum ParameterType {
        /// `interface{}` or `reflect.Value`: constants take their ideal type, nil is allowed.
        case any
        case string
    }

    private mutating func evalArgument(
        _ operand: TemplateOperand,
        type: ParameterType,
        dot: TemplateValue
    )
        throws(AlertTemplateError) -> TemplateValue
    {
        at(operand)
        switch operand {
        case .dot:
            return try validate(dot, type)
        case .nilValue:
            if type == .any { return .missing }
            throw failure("cannot assign nil to string")
        case .field(_, let names):
            at(operand)
            return try validate(evalFieldChain(dot, receiver: dot, names: names, arguments: [], final: nil), type)
        case .variable(_, let name, let fields):
            let value = try variable(name)
            return try validate(evalFieldChain(dot, receiver: value, names: fields, arguments: [], final: nil), type)
        case .chain(_, let base, let fields):
            let receiver = try evalArgument(base, type: .any, dot: dot)
            at(operand)
            return try validate(evalFieldChain(dot, receiver: receiver, names: fields, arguments: [], final: nil), type)
        case .pipeline(_, let pipeline):
            return try validate(evalPipeline(pipeline, dot: dot), type)
        case .function(let position, let name):
            let command = TemplateCommand(position: position, arguments: [operand])
            let value = try evalFunction(
                name,
                position: position,
                command: command,
                arguments: [],
                dot: dot,
                final: nil
            )
            return try validate(value, type)
        case .string(_, _, let value):
            return .string(value)
        case .bool(_, let value):
            if type == .any { return .bool(value) }
        case .number(_, let number):
            if type == .any { return try idealConstant(number) }
        }
        throw failure("expected string; found \(operand.goDescription)")
    }

    private func validate(_ value: TemplateValue, _ type: ParameterType) throws(AlertTemplateError) -> TemplateValue {
        guard type == .string else { return value }
        switch value {
        case .string: return value
        case .missing: throw failure("invalid value; expected string")
        default: throw failure("wrong type for value; expected string; got \(value.typeName)")
        }
    }

    // MARK: - Functions

    private mutating func evalFunction(
        _ name: String,
        position: Int,
        command: TemplateCommand,
        arguments: [TemplateOperand],
        dot: TemplateValue,
        final: TemplateValue?
    ) throws(AlertTemplateError) -> TemplateValue {
        at(position, name)
        guard let signature = TemplateFunctions.signatures[name] else {
            throw failure("\(GoFormat.quote(name)) is not a defined function")
        }
        let count = arguments.count + (final == nil ? 0 : 1)
        if signature.isVariadic {
            if count < signature.parameters.count {
                throw failure(
                    "wrong number of args for \(name): want at least \(signature.parameters.count) got \(arguments.count)"
                )
            }
        } else if count != signature.parameters.count {
            throw failure("wrong number of args for \(name): want \(signature.parameters.count) got \(count)")
        }
        func parameterType(_ index: Int) -> ParameterType {
            index < signature.parameters.count ? signature.parameters[index] : signature.variadic
        }

        // and/or evaluate their arguments lazily and return one of them.
        if name == "and" || name == "or" {
            var value = TemplateValue.missing
            for argument in arguments {
                value = try evalArgument(argument, type: .any, dot: dot)
                if value.isTrue == (name == "or") { return value }
            }
            if let final { value = final }
            return value
        }

        var values: [TemplateValue] = []
        for (index, argument) in arguments.enumerated() {
            values.append(try evalArgument(argument, type: parameterType(index), dot: dot))
        }
        if let final { values.append(try validate(final, parameterType(values.count))) }
        do {
            return try TemplateFunctions.call(name, values, data: data)
        } catch {
            at(command.position, command.goDescription)
            throw failure("error calling \(name): \(error.message)")
        }
    }
}

/// An error a template function returns; the evaluator adds "error calling NAME: ".
struct TemplateFunctionError: Error {
    var message: String
}
