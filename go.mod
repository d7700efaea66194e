module github.com/rootless-static-toolkits/rootless-static-toolkits

go 1.25.0
