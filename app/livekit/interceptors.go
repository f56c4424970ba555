package livekit

import (
	lkinterceptor "github.com/livekit/mediatransportutil/pkg/interceptor"
	sdkinterceptor "github.com/livekit/server-sdk-go/v2/pkg/interceptor"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	rtcpreport "github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
)

// interceptors are what each of the call's peer connections runs, in
// this order: congestion control on what it sends (uplink.go), a count of
// the NACKs it sends, Confer's NACK generator (nackgen.go), and then the
// SDK's defaults but its NACK generator (server-sdk-go v2.17's
// registerDefaultInterceptors): the NACK responder, RTCP sender and
// receiver reports, TWCC feedback, a packet size limit, and the round trip
// from receiver reports and from extended reports, which here times
// Confer's generator. The count comes before the generator so that it
// sees the generator's requests on their way out. Then the RTCP tap of
// tracks whose reports the SDK drops (rtcptap.go). Last, outermost, a guard
// that drops a packet no interceptor could read rather than ending the
// track's reading (readguard.go).
func (s *session) interceptors() ([]interceptor.Factory, error) {
	bwe, err := s.up.interceptors()
	if err != nil {
		return nil, err
	}
	responder, err := nack.NewResponderInterceptor()
	if err != nil {
		return nil, err
	}
	receiverReports, err := rtcpreport.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	senderReports, err := rtcpreport.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	twccFeedback, err := twcc.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	return append(bwe,
		s.nacks, s.nackGens, responder, receiverReports, senderReports, twccFeedback,
		sdkinterceptor.NewLimitSizeInterceptorFactory(),
		sdkinterceptor.NewRTTInterceptorFactory(s.nackGens.SetRTT),
		lkinterceptor.NewRTTFromXRFactory(s.nackGens.SetRTT),
		s.taps, readGuard{log: s.t.config().Log},
	), nil
}
