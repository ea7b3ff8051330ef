// Command mesosgo-v1 is the benchmark's minimal executor on mesos-go
// v0.0.11's v1 executor library (httpcli/httpexec, executor/calls), built as
// its example-executor is. On each LAUNCH it sends K TASK_RUNNING updates (K
// is the task's data, in decimal), each as soon as the previous UPDATE call
// has been answered (the library's Send is synchronous), then TASK_FINISHED;
// tasks run concurrently. Updates are kept until ACKNOWLEDGED, as they must
// be for a re-SUBSCRIBE. A task whose data is "rtt:K" sends its K updates
// one at a time instead, each once the ACKNOWLEDGED event of the one before
// it has been read from the subscription, and writes the round trips to
// bench-roundtrips before its TASK_FINISHED. It exits on SHUTDOWN or when
// the subscription ends (no checkpointing: no re-subscription).
package main

import (
	"context"
	"crypto/rand"
	"log"
	"net/url"
	"os"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/mesos/mesos-go/api/v1/lib/executor/calls"
	"github.com/mesos/mesos-go/api/v1/lib/executor/config"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpexec"

	"github.com/mesos-shim/executor/bench/internal/task"
)

func main() {
	defer task.StartProfile()()
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	opts := []httpcli.Opt{
		httpcli.Endpoint((&url.URL{Scheme: "http", Host: cfg.AgentEndpoint, Path: "/api/v1/executor"}).String()),
		httpcli.Codec(codecs.ByMediaType[codecs.MediaTypeProtobuf]),
		httpcli.Do(httpcli.With(httpcli.Timeout(10 * time.Second))),
	}
	if tok := os.Getenv("MESOS_EXECUTOR_AUTHENTICATION_TOKEN"); tok != "" {
		opts = append(opts, httpcli.DefaultHeader("Authorization", "Bearer "+tok))
	}
	http := httpcli.New(opts...)
	callOpts := executor.CallOptions{calls.Framework(cfg.FrameworkID), calls.Executor(cfg.ExecutorID)}
	cli := calls.SenderWith(httpexec.NewSender(http.Send), callOpts...)
	subscriber := calls.SenderWith(httpexec.NewSender(http.Send, httpcli.Close(true)), callOpts...)

	var mu sync.Mutex
	unacked := map[string]executor.Call_Update{}
	acked := map[string]chan struct{}{} // closed when that update is acknowledged
	// update sends one update; a non-nil ack is closed once it is acknowledged.
	update := func(id mesos.TaskID, st mesos.TaskState, ack chan struct{}) {
		u := make([]byte, 16)
		rand.Read(u)
		u[6], u[8] = u[6]&0x0f|0x40, u[8]&0x3f|0x80 // version 4, as its example-executor's uuid.NewRandom; agents refuse others
		upd := calls.Update(mesos.TaskStatus{TaskID: id, State: st.Enum(), Source: mesos.SOURCE_EXECUTOR.Enum(),
			ExecutorID: &mesos.ExecutorID{Value: cfg.ExecutorID}, UUID: u})
		mu.Lock()
		unacked[string(u)] = *upd.Update
		if ack != nil {
			acked[string(u)] = ack
		}
		mu.Unlock()
		resp, err := cli.Send(context.Background(), calls.NonStreaming(upd))
		if resp != nil {
			resp.Close()
		}
		if err != nil {
			log.Printf("update: %v", err)
		}
	}

	resp, err := subscriber.Send(context.Background(), calls.NonStreaming(calls.Subscribe(nil, nil)))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Close()
	for {
		var e executor.Event
		if err := resp.Decode(&e); err != nil {
			log.Printf("subscription ended: %v", err)
			return
		}
		switch e.GetType() {
		case executor.Event_LAUNCH:
			t := e.Launch.Task
			k, roundTrips := task.Parse(t.Data)
			go func() {
				if roundTrips {
					rtts := make([]time.Duration, 0, k)
					for i := 0; i < k; i++ {
						ack := make(chan struct{})
						t0 := time.Now()
						update(t.TaskID, mesos.TASK_RUNNING, ack)
						<-ack
						rtts = append(rtts, time.Since(t0))
					}
					if err := task.WriteRoundTrips(rtts); err != nil {
						log.Print(err)
					}
					k = 0
				}
				for i := 0; i < k; i++ {
					update(t.TaskID, mesos.TASK_RUNNING, nil)
				}
				update(t.TaskID, mesos.TASK_FINISHED, nil)
			}()
		case executor.Event_ACKNOWLEDGED:
			u := string(e.Acknowledged.UUID)
			mu.Lock()
			delete(unacked, u)
			if ack, ok := acked[u]; ok {
				close(ack)
				delete(acked, u)
			}
			mu.Unlock()
		case executor.Event_SHUTDOWN:
			return
		}
	}
}
