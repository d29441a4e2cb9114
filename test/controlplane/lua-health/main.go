// Command lua-health runs an Argo CD resource health check (a Lua script) against a Kubernetes object the way
// Argo CD runs custom health checks from argocd-cm: gopher-lua (Lua 5.1) with only the package, base and table
// libraries and a reduced os library (no string library: scripts from argocd-cm get no other standard
// libraries unless useOpenLibs is set), the object as the global `obj` (JSON objects become tables with string
// keys, arrays become sequences, numbers become Lua numbers, null becomes nil), a one-second time limit, and a
// returned table whose status must be one of Argo CD's health codes.
//
// Usage: lua-health SCRIPT.lua < object.json   prints {"status":"...","message":"..."} on stdout.
// Exit codes: 0 a health status was returned, 1 the script failed or returned something else, 2 bad usage.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
)

type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

var validStatus = map[string]bool{"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true}

// toLua converts decoded JSON the way Argo CD converts an unstructured object.
func toLua(l *lua.LState, v interface{}) lua.LValue {
	switch x := v.(type) {
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []interface{}:
		t := l.CreateTable(len(x), 0)
		for _, item := range x {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]interface{}:
		t := l.CreateTable(0, len(x))
		for k, item := range x {
			t.RawSetH(lua.LString(k), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}

// openReducedOs keeps only the os functions that cannot touch the machine (clock, date, difftime, time).
func openReducedOs(l *lua.LState) int {
	lua.OpenOs(l)
	full := l.GetGlobal(lua.OsLibName).(*lua.LTable)
	reduced := l.NewTable()
	for _, name := range []string{"clock", "date", "difftime", "time"} {
		reduced.RawSetString(name, full.RawGetString(name))
	}
	l.SetGlobal(lua.OsLibName, reduced)
	l.Push(reduced)
	return 1
}

func run(script string, object map[string]interface{}) (*healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.OsLibName, openReducedOs}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, object))
	if err := l.DoString(script); err != nil {
		return nil, err
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type().String())
	}
	hs := &healthStatus{}
	if s, ok := ret.RawGetString("status").(lua.LString); ok {
		hs.Status = string(s)
	}
	if m, ok := ret.RawGetString("message").(lua.LString); ok {
		hs.Message = string(m)
	}
	if !validStatus[hs.Status] {
		// What Argo CD shows for a status it does not know.
		return &healthStatus{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return hs, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lua-health SCRIPT.lua < object.json")
		os.Exit(2)
	}
	script, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var object map[string]interface{}
	if err := json.Unmarshal(input, &object); err != nil {
		fmt.Fprintln(os.Stderr, "object: not a JSON object:", err)
		os.Exit(2)
	}
	hs, err := run(string(script), object)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, _ := json.Marshal(hs)
	fmt.Println(string(out))
}
