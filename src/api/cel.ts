// Building blocks for CEL admission rules that stay inside the API server's cost budget.
//
// The API server estimates the cost of every rule and message when a CRD is written and refuses expensive ones.
// Its estimator keeps size bounds (maxItems, maxLength) only for values read from the schema: the results of
// macros (filter, map) and list literals have unknown sizes, so `list.filter(p)[0].name` in a message makes the
// message "unbounded". Picking the item by index out of the schema list keeps the bound:
// `list[list.map(v, p).indexOf(true)].name`. (`indexOf` on lists is a Kubernetes CEL library function.)

/** CEL: the first item of `list` for which `predicate` (over `variable`) holds. Only valid when one does. */
export function celFirstItem(list: string, variable: string, predicate: string): string {
  return `${list}[${list}.map(${variable}, ${predicate}).indexOf(true)]`;
}

/** CEL: the last item of `list` for which `predicate` (over `variable`) holds. Only valid when one does. */
export function celLastItem(list: string, variable: string, predicate: string): string {
  return `${list}[${list}.map(${variable}, ${predicate}).lastIndexOf(true)]`;
}
