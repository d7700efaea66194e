package pins

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// node is a JSON value that keeps the order of object keys, so that
// rewriting one pin leaves the rest of the file byte for byte as it was.
type node struct {
	obj  *object         // an object
	arr  []*node         // an array (arr != nil, possibly empty)
	leaf json.RawMessage // a string, number, bool or null
}

// object is a JSON object in file order.
type object struct {
	keys []string
	vals map[string]*node
}

func newObject() *object { return &object{vals: map[string]*node{}} }

func (o *object) get(k string) *node { return o.vals[k] }

// set replaces k's value in place, or appends k.
func (o *object) set(k string, v *node) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *object) str(k string) string {
	n := o.vals[k]
	if n == nil || n.leaf == nil {
		return ""
	}
	var s string
	if json.Unmarshal(n.leaf, &s) != nil {
		return ""
	}
	return s
}

func (o *object) setStr(k, v string) { o.set(k, strNode(v)) }

func (o *object) strs(k string) []string {
	n := o.vals[k]
	if n == nil {
		return nil
	}
	var out []string
	for _, e := range n.arr {
		var s string
		if json.Unmarshal(e.leaf, &s) == nil {
			out = append(out, s)
		}
	}
	return out
}

func (o *object) setStrs(k string, v []string) {
	n := &node{arr: []*node{}}
	for _, s := range v {
		n.arr = append(n.arr, strNode(s))
	}
	o.set(k, n)
}

func strNode(s string) *node {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return &node{leaf: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}
}

func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the top-level value")
	}
	return n, nil
}

func parseNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				if _, dup := o.vals[k]; dup {
					return nil, fmt.Errorf("key %q given twice", k)
				}
				v, err := parseNode(dec)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			_, err := dec.Token() // '}'
			return &node{obj: o}, err
		case '[':
			n := &node{arr: []*node{}}
			for dec.More() {
				v, err := parseNode(dec)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
			_, err := dec.Token() // ']'
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return strNode(t), nil
	case json.Number:
		return &node{leaf: json.RawMessage(t.String())}, nil
	case bool:
		return &node{leaf: json.RawMessage(fmt.Sprint(t))}, nil
	case nil:
		return &node{leaf: json.RawMessage("null")}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// write prints n as json.MarshalIndent(v, "", "  ") would, keeping key order.
func (n *node) write(b *strings.Builder, indent string) {
	switch {
	case n.obj != nil:
		if len(n.obj.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, k := range n.obj.keys {
			b.WriteString(indent + "  ")
			b.Write(strNode(k).leaf)
			b.WriteString(": ")
			n.obj.vals[k].write(b, indent+"  ")
			if i < len(n.obj.keys)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case n.arr != nil:
		if len(n.arr) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range n.arr {
			b.WriteString(indent + "  ")
			e.write(b, indent+"  ")
			if i < len(n.arr)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "]")
	default:
		b.Write(n.leaf)
	}
}
