/// One pass over a command line (or over the elements of a `-Wp,` list), applying the table.
struct Walk {
  let policy: ArgumentPolicy
  let insecure: Bool
  /// `-c` or `-S` seen: the driver stops before linking.
  var sawCompile = false
  var outputs = 0

  init(policy: ArgumentPolicy, insecure: Bool) {
    self.policy = policy
    self.insecure = insecure
  }

  /// Checks `arguments`; nil when all pass. `nested` is a preprocessor list, where operands must stay
  /// inside the list and only plain compile options and confined paths make sense.
  mutating func check(_ arguments: ArraySlice<[UInt8]>, nested: Bool) -> ArgumentDecision? {
    var index = arguments.startIndex
    while index < arguments.endIndex {
      let argument = arguments[index]
      index += 1
      guard argument.first == UInt8(ascii: "-"), argument.count > 1 else {
        // A positional argument (an input). Inside `-Wp,` a second file name is cpp's output file.
        if nested { return .refused(option: argument.printable(), reason: .writesChosenPath) }
        continue
      }
      guard let (rule, exact) = policy.rule(for: argument) else {
        if insecure { continue }
        return .refused(option: argument.printable(), reason: .unknownOption)
      }
      var operand: [UInt8]
      if exact && rule.takesSeparateOperand {
        guard index < arguments.endIndex else {
          if nested { return .refused(option: argument.printable(), reason: .operandMissing) }
          return .malformed(.missingOperand(option: argument.printable()))
        }
        operand = arguments[index]
        index += 1
      } else {
        operand = Array(argument.dropFirst(rule.name.utf8.count))
      }
      if let verdict = apply(rule.action, argument: argument, operand: &operand, nested: nested) {
        return verdict
      }
    }
    return nil
  }

  private mutating func apply(
    _ action: OptionRule.Action, argument: [UInt8], operand: inout [UInt8], nested: Bool
  ) -> ArgumentDecision? {
    let option = argument.printable()
    func refuse(_ reason: RefusalReason) -> ArgumentDecision {
      .refused(option: option, reason: reason)
    }
    switch action {
    case .allow:
      if argument.elementsEqual("-c".utf8) || argument.elementsEqual("-S".utf8)
        || argument.elementsEqual("--compile".utf8) || argument.elementsEqual("--assemble".utf8)
      {
        if nested { return refuse(.unknownOption) }
        sawCompile = true
      }
      return nil
    case .refuse(let reason):
      return refuse(reason)
    case .output:
      if nested { return refuse(.outputNotRewritable) }
      outputs += 1
      return outputs > 1 ? refuse(.outputNotRewritable) : nil
    case .confinedPath:
      let components = operand.pathComponents
      if operand.isEmpty || operand.first == UInt8(ascii: "/")
        || components.contains(where: { $0.elementsEqual("..".utf8) })
      {
        return refuse(.pathOutsideJob)
      }
      return nil
    case .assemblerList:
      if nested { return refuse(.unknownOption) }
      return checkAssembler(
        operand.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true)
          .map(Array.init), option: option)
    case .assemblerOption:
      if nested { return refuse(.unknownOption) }
      return checkAssembler([operand], option: option)
    case .preprocessorList:
      if nested { return refuse(.unknownOption) }
      return checkNested(preprocessorElements(operand))
    case .preprocessorOption:
      if nested { return refuse(.unknownOption) }
      return checkNested([operand])
    case .linkerOnly:
      // Inert: the command must contain -c or -S, so the linker never runs.
      return nested ? refuse(.unknownOption) : nil
    case .clangOption:
      return !nested && ClangOptions.allows(operand)
        ? nil
        : .refused(
          option: "\(option) \(operand.printable())", reason: .unknownOption)
    case .llvmOption:
      return !nested && LLVMOptions.allows(operand)
        ? nil
        : .refused(
          option: "\(option) \(operand.printable())", reason: .unknownOption)
    case .programName:
      return operand.isEmpty || operand.contains(UInt8(ascii: "/")) ? refuse(.runsProgram) : nil
    case .refuseValue(let needle, let reason):
      return operand.contains(subsequence: needle) ? refuse(reason) : nil
    }
  }

  /// `-Wp,-MD,dep.d,-DX` → `-MD -MF dep.d -DX`, as the client expands it (client.md §4.6).
  private func preprocessorElements(_ list: [UInt8]) -> ArraySlice<[UInt8]> {
    var elements: [[UInt8]] = []
    var pieces = list.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
      .map(Array.init)[...]
    while let piece = pieces.popFirst() {
      elements.append(piece)
      if piece.elementsEqual("-MD".utf8) || piece.elementsEqual("-MMD".utf8), !pieces.isEmpty {
        elements.append(Array("-MF".utf8))
      }
    }
    return elements[...]
  }

  private mutating func checkNested(_ elements: ArraySlice<[UInt8]>) -> ArgumentDecision? {
    check(elements.filter { !$0.isEmpty }[...], nested: true)
  }

  private func checkAssembler(_ elements: [[UInt8]], option: String) -> ArgumentDecision? {
    var expectsOperand = false
    for element in elements {
      if expectsOperand {
        expectsOperand = false
        if element.first != UInt8(ascii: "-") { continue }
      }
      guard AssemblerOptions.allows(element) else {
        return .refused(
          option: "\(option) (assembler option \(element.printable()))", reason: .unknownOption)
      }
      expectsOperand = AssemblerOptions.takesOperand(element)
    }
    return nil
  }
}
