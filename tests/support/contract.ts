import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      { operationId: string; 'x-no-head'?: boolean; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }
    >
  >
  components?: { schemas?: Record<string, unknown> }
}

export type ContractViolation = { where: string; problem: string }

/**
 * Checks answers against the OpenAPI document: the status must be documented for the operation,
 * and the JSON body must match its schema. Paths that match no operation must answer the error
 * envelope (404/405/400).
 */
export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true })
  private readonly validators = new Map<string, ValidateFunction>()
  private readonly routes: { method: string; pattern: RegExp; template: string }[] = []
  readonly violations: ContractViolation[] = []
  readonly seen = new Set<string>()

  constructor(readonly doc: Doc) {
    ;(addFormats as unknown as (a: Ajv2020) => void)(this.ajv)
    this.ajv.addSchema({ $id: 'doc', ...doc })
    for (const [template, item] of Object.entries(doc.paths))
      for (const method of Object.keys(item))
        this.routes.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^/api/v1${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        })
  }

  private validator(ref: string): ValidateFunction {
    let v = this.validators.get(ref)
    if (!v) {
      v = this.ajv.compile({ $ref: ref })
      this.validators.set(ref, v)
    }
    return v
  }

  /** The JSON pointer of the schema for (path template, method, status), or undefined when undocumented. */
  private schemaRef(template: string, method: string, status: number): string | undefined {
    const op = this.doc.paths[template]?.[method.toLowerCase()]
    const res = op?.responses[String(status)]
    if (!res) return undefined
    // an event stream's body is never complete: the client checks its opening, this checks the status
    if (!res.content || 'text/event-stream' in res.content) return ''
    const esc = template.replaceAll('~', '~0').replaceAll('/', '~1')
    return `doc#/paths/${esc}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`
  }

  /** Records a violation (and returns it) when the answer does not match the document. */
  check(method: string, pathname: string, status: number, body: unknown): ContractViolation | undefined {
    const where = `${method} ${pathname} → ${status}`
    const fail = (problem: string) => {
      const v = { where, problem }
      this.violations.push(v)
      return v
    }
    if (!pathname.startsWith('/api/v1')) return undefined
    const m = method === 'HEAD' ? 'GET' : method
    const matching = this.routes.filter((r) => r.pattern.test(pathname))
    // OpenAPI: a concrete path matches before a templated one (/messages/send before /messages/{messageId}).
    const params = (t: string) => (t.match(/\{/g) ?? []).length
    const fewest = Math.min(...matching.map((r) => params(r.template)))
    const candidates = matching.filter((r) => params(r.template) === fewest)
    const route = candidates.find((r) => r.method === m)
    if (route && method === 'HEAD' && this.doc.paths[route.template]?.get?.['x-no-head'] === true) {
      // a GET with an effect: HEAD is refused instead of running it
      return status === 405 || status === 429 || status === 400 ? undefined : fail('HEAD on an x-no-head operation must answer 405')
    }
    if (!route) {
      if (method === 'OPTIONS' && candidates.length > 0 && status === 204) return undefined
      const expected = candidates.length > 0 ? 405 : 404
      // A HEAD answer has no body to check.
      if (status === expected || status === 429 || status === 400) return method === 'HEAD' ? undefined : this.envelope(body, fail)
      return fail(`no operation for ${m}; expected ${expected} in the error envelope`)
    }
    this.seen.add(`${route.method} ${route.template} ${status}`)
    const ref = this.schemaRef(route.template, route.method, status)
    if (ref === undefined) return fail(`status ${status} is not documented for ${route.method} ${route.template}`)
    if (ref === '' || method === 'HEAD')
      return body === null || body === undefined || body === '' ? undefined : fail('a body where none is documented')
    const validate = this.validator(ref)
    if (!validate(body)) return fail(this.ajv.errorsText(validate.errors))
    return undefined
  }

  private envelope(body: unknown, fail: (p: string) => ContractViolation): ContractViolation | undefined {
    const validate = this.validator('doc#/components/schemas/Error')
    return validate(body) ? undefined : fail(`not the error envelope: ${this.ajv.errorsText(validate.errors)}`)
  }
}
