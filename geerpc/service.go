package geerpc

import (
	"context"
	"fmt"
	"go/token"
	"reflect"
	"sort"
)

var (
	typeOfError   = reflect.TypeFor[error]()
	typeOfContext = reflect.TypeFor[context.Context]()
)

// methodType is one served method, with the reflection work done once at
// Register.
type methodType struct {
	method    reflect.Method
	ArgType   reflect.Type
	ReplyType reflect.Type
	withCtx   bool // the method takes a leading context.Context
	argIsPtr  bool
	stats     methodStats
}

// NumCalls returns how many calls of the method ended, whatever their
// outcome (ok, error, refused by the server, timed out).
func (m *methodType) NumCalls() uint64 { return m.stats.calls.Load() }

func (m *methodType) newArgv() reflect.Value {
	if m.argIsPtr {
		return reflect.New(m.ArgType.Elem())
	}
	return reflect.New(m.ArgType).Elem()
}

func (m *methodType) newReplyv() reflect.Value {
	replyv := reflect.New(m.ReplyType.Elem())
	switch m.ReplyType.Elem().Kind() {
	case reflect.Map:
		replyv.Elem().Set(reflect.MakeMap(m.ReplyType.Elem()))
	case reflect.Slice:
		replyv.Elem().Set(reflect.MakeSlice(m.ReplyType.Elem(), 0, 0))
	}
	return replyv
}

// service is one registered receiver and its methods.
type service struct {
	name   string
	typ    reflect.Type
	rcvr   reflect.Value
	method map[string]*methodType
}

func newService(name string, rcvr any) (*service, error) {
	s := &service{rcvr: reflect.ValueOf(rcvr), typ: reflect.TypeOf(rcvr)}
	if rcvr == nil {
		return nil, fmt.Errorf("%w: nil receiver", ErrRegister)
	}
	s.name = name
	if s.name == "" {
		s.name = reflect.Indirect(s.rcvr).Type().Name()
	}
	if !token.IsExported(s.name) {
		return nil, fmt.Errorf("%w: %q is not a valid (exported) service name", ErrRegister, s.name)
	}
	s.method = suitableMethods(s.typ)
	if len(s.method) == 0 {
		return nil, fmt.Errorf("%w: type %s has no exported methods of suitable type", ErrRegister, s.typ)
	}
	return s, nil
}

// suitableMethods returns the methods of typ that follow net/rpc's rules,
// optionally with a leading context.Context.
func suitableMethods(typ reflect.Type) map[string]*methodType {
	methods := make(map[string]*methodType)
	for i := 0; i < typ.NumMethod(); i++ {
		if m := suitableMethod(typ.Method(i)); m != nil {
			methods[m.method.Name] = m
		}
	}
	return methods
}

func suitableMethod(method reflect.Method) *methodType {
	mtype := method.Type
	if !method.IsExported() || mtype.NumOut() != 1 || mtype.Out(0) != typeOfError {
		return nil
	}
	first := 1
	withCtx := mtype.NumIn() == 4 && mtype.In(1) == typeOfContext
	if withCtx {
		first = 2
	}
	if mtype.NumIn() != first+2 {
		return nil
	}
	argType, replyType := mtype.In(first), mtype.In(first+1)
	if replyType.Kind() != reflect.Pointer || !isExportedOrBuiltinType(argType) || !isExportedOrBuiltinType(replyType) {
		return nil
	}
	return &methodType{
		method: method, ArgType: argType, ReplyType: replyType,
		withCtx: withCtx, argIsPtr: argType.Kind() == reflect.Pointer,
	}
}

func isExportedOrBuiltinType(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return token.IsExported(t.Name()) || t.PkgPath() == ""
}

// call runs the method. A panic in the method becomes an error.
func (s *service) call(ctx context.Context, m *methodType, argv, replyv reflect.Value) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rpc server: %s.%s panicked: %v", s.name, m.method.Name, r)
		}
	}()
	var in [4]reflect.Value
	args := in[:0]
	args = append(args, s.rcvr)
	if m.withCtx {
		args = append(args, reflect.ValueOf(ctx))
	}
	args = append(args, argv, replyv)
	ret := m.method.Func.Call(args)
	if e, _ := ret[0].Interface().(error); e != nil {
		return e
	}
	return nil
}

// sortedMethods returns the method names of s in order.
func (s *service) sortedMethods() []string {
	names := make([]string, 0, len(s.method))
	for name := range s.method {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
